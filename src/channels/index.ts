// What other capabilities use of the messaging channels: the sweep's view of messages and
// calls received but never handed to their workflows, and their part of a privacy request.
export { listUnthreadedChannelMessages } from './repository.js';
export { listUnfinishedCalls } from './dialpad.js';
export { exportChannelData, redactChannelData } from './privacy-repository.js';
