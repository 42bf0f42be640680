// What other capabilities use of the helpdesk.
export { threadMessage, type CustomerRef, type Threaded, type ThreadRequest } from './thread.js';
export { customerData } from './events.js';
export { findOpenThreadTicket, findTicketByMessageIds, findTicketByNumber, findTicketOfInbound } from './repository.js';
