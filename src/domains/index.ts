// What other capabilities use of sending domains: which domains an organization may send from.
export { listVerifiedDomainNames } from './repository.js';
export { coveringDomain, domainOfMailbox } from './records.js';
