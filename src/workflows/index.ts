// The worker's workflow bundle: every capability's workflows. Deterministic code only.
export * from '../bus/workflows.js';
export * from '../channels/workflows.js';
export * from '../commerce/workflows.js';
export * from '../domains/workflows.js';
export * from '../emails/workflows.js';
export * from '../helpdesk/workflows.js';
export * from '../inbound/workflows.js';
export * from '../partners/workflows.js';
export * from '../sns/workflows.js';
export * from '../sweep/workflows.js';
export * from '../usage/workflows.js';
export * from '../webhooks/workflows.js';
