// Every workflow the Relay worker runs. Deterministic code only: no I/O, no Node APIs.
export { sendEmailWorkflow } from './send-email.js';
