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
