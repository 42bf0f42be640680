import type { Db } from '../db/database.js';
import type { SnsMessage } from '../security/sns.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { insertSnsMessage } from './repository.js';

/**
 * What every SNS endpoint does with a verified message that is not a notification: a
 * SubscriptionConfirmation is stored once and confirmed by workflow sns-subscription-<id>
 * (started on every delivery: the workflow id keeps it to one); an UnsubscribeConfirmation
 * is only acknowledged. Returns false for notifications, which the caller handles.
 */
export async function acceptSnsControlMessage(
  deps: { db: Db; workflows: Pick<WorkflowStarter, 'startSnsSubscriptionConfirmation'> },
  message: SnsMessage,
): Promise<boolean> {
  if (message.Type === 'Notification') return false;
  if (message.Type === 'SubscriptionConfirmation') {
    await insertSnsMessage(deps.db, {
      snsMessageId: message.MessageId,
      topicArn: message.TopicArn,
      eventType: message.Type,
      sesMessageId: null,
      payload: message,
    });
    await deps.workflows.startSnsSubscriptionConfirmation(message.MessageId);
  }
  return true;
}
