// What other capabilities use of channels: the organization's connected channels, what
// replying on them needs, a ticket's voicemail, and a customer's channel identities.
export { findOrgChannel, findVoicemailOfTicket, listIdentitiesOfCustomer, listOrgChannelsOfType } from './repository.js';
export { openCredentials, type ChannelCredentials } from './credentials.js';
