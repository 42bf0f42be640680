import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/database.js';
import { findEmail, insertEmailEvent, markEmailFailed, markEmailSent, requeueFailedEmail } from '../db/repositories/emails.js';
import type { SesSender } from '../integrations/ses.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

export interface EmailActivityDeps {
  db: Db;
  ses: SesSender;
  logger: Logger;
  metrics: Metrics;
}

export interface EmailRef {
  orgId: string;
  emailId: string;
}

export function createEmailActivities({ db, ses, logger, metrics }: EmailActivityDeps) {
  return {
    /**
     * Loads the stored message, sends it through SES and records `sent` with SES's
     * message id. A message that already has one is not sent again, so a retried
     * activity or a replayed workflow never sends twice.
     */
    async sendEmailViaSes({ orgId, emailId }: EmailRef): Promise<{ sesMessageId: string }> {
      const email = await findEmail(db, orgId, emailId);
      if (!email) throw ApplicationFailure.nonRetryable(`email ${emailId} does not exist`, 'EmailNotFound');
      if (email.ses_message_id) return { sesMessageId: email.ses_message_id };
      if (email.status !== 'queued') {
        throw ApplicationFailure.nonRetryable(`email ${emailId} is ${email.status}, not queued`, 'EmailNotQueued');
      }

      let sesMessageId: string;
      try {
        sesMessageId = await ses.send({
          content: email.content,
          tags: { ...email.tags, relay_org_id: orgId, relay_email_id: emailId },
        });
      } catch (error) {
        const outcome = error instanceof ApplicationFailure && error.nonRetryable ? 'rejected' : 'retryable_error';
        metrics.sesSends.inc({ outcome });
        logger.warn({ orgId, emailId, err: error, outcome }, 'SES send failed');
        throw error;
      }
      metrics.sesSends.inc({ outcome: 'sent' });

      await db.transaction().execute(async (trx) => {
        if (await markEmailSent(trx, orgId, emailId, sesMessageId)) {
          await insertEmailEvent(trx, { orgId, emailId, type: 'sent', detail: { ses_message_id: sesMessageId } });
        }
      });
      logger.info({ orgId, emailId, sesMessageId }, 'email sent');
      return { sesMessageId };
    },

    async recordEmailFailed({ orgId, emailId, reason }: EmailRef & { reason: string }): Promise<void> {
      await db.transaction().execute(async (trx) => {
        if (await markEmailFailed(trx, orgId, emailId, reason)) {
          await insertEmailEvent(trx, { orgId, emailId, type: 'failed', detail: { reason } });
        }
      });
      logger.warn({ orgId, emailId, reason }, 'email failed');
    },

    async recordEmailReplayed({ orgId, emailId, replayOfRunId }: EmailRef & { replayOfRunId: string }): Promise<void> {
      await db.transaction().execute(async (trx) => {
        if (await requeueFailedEmail(trx, orgId, emailId)) {
          await insertEmailEvent(trx, { orgId, emailId, type: 'replayed', detail: { replay_of_run_id: replayOfRunId } });
        }
      });
    },
  };
}
