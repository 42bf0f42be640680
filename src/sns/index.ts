// What other capabilities use of SNS handling: storing verified messages and the one
// way subscription confirmations are handled.
export { acceptSnsControlMessage } from './subscription.js';
/** An SNS message is 256 KB at most; its JSON envelope fits in this. */
export const SNS_BODY_LIMIT_BYTES = 300 * 1024;
export {
  findSnsMessage,
  insertSnsMessage,
  listUnmatchedSnsMessages,
  listUnprocessedSnsMessages,
  markSnsMessageProcessed,
  redactSnsMessagesOfEmails,
} from './repository.js';
// Retention (usage's schedule orchestrates): payloads of processed messages past their period.
export { purgeExpiredSnsPayloads } from './retention-repository.js';
