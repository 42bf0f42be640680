// What other capabilities use of channels: the organization's connected channels and what replying on them needs.
export { findOrgChannel, listOrgChannelsOfType } from './repository.js';
export { openCredentials, type ChannelCredentials } from './credentials.js';
