// What other capabilities use of the messaging channels: the sweep's view of messages and
// calls received but never handed to their workflows.
export { listUnthreadedChannelMessages } from './repository.js';
export { listUnfinishedCalls } from './dialpad.js';
