// What other capabilities use of SNS handling: storing verified messages and the one
// way subscription confirmations are handled.
export { acceptSnsControlMessage } from './subscription.js';
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
