// What other capabilities use of the helpdesk.
export { threadMessage, type CustomerRef, type Threaded, type ThreadRequest } from './thread.js';
export { customerData } from './events.js';
export { applyReplyDeliveryReport } from './reply-repository.js';
export {
  createCustomer,
  findCustomerByEmail,
  findCustomersByChannelIdentity,
  findOpenThreadTicket,
  findTicketByMessageIds,
  findTicketByNumber,
  findTicketOfInbound,
  isTicketParticipant,
  linkChannelIdentity,
  updateCustomer,
} from './repository.js';
// Privacy requests: who the subject is, and the helpdesk's part of an export or a redaction.
export { describeDataSubject, exportHelpdeskData, findCustomersByContact, redactHelpdeskData } from './repository.js';
