// What other capabilities use of the messaging channels: the sweep's view of messages and
// calls received but never handed to their workflows, their part of a privacy request, the
// organization's connected channels and what replying on them needs, a ticket's voicemail,
// and a customer's channel identities.
export { findOrgChannel, findVoicemailOfTicket, listIdentitiesOfCustomer, listOrgChannelsOfType, listUnthreadedChannelMessages } from './repository.js';
export { listUnfinishedCalls } from './dialpad.js';
export { exportChannelData, redactChannelData } from './privacy-repository.js';
export { openCredentials, type ChannelCredentials } from './credentials.js';
// Retention (usage's schedule orchestrates): raw payloads of messages past their period.
export { purgeExpiredChannelPayloads } from './retention-repository.js';
