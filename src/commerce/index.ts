// What other capabilities use of commerce: the sweep's view of events stored but never applied.
export { listUnprocessedCommerceEvents } from './repository.js';
