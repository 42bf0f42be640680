import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/database.js';
import { ensureSuccess, type HttpClient } from '../integrations/http.js';
import type { Logger } from '../observability/logger.js';
import { isSnsUrl } from '../security/sns.js';
import { findSnsMessage, markSnsMessageProcessed } from './repository.js';

export interface SnsActivityDeps {
  db: Db;
  http: HttpClient;
  logger: Logger;
}

export function createSnsActivities({ db, http, logger }: SnsActivityDeps) {
  return {
    /** Confirms an SNS subscription by visiting its SubscribeURL, which must itself be on an SNS host. */
    async confirmSnsSubscription({ snsMessageId }: { snsMessageId: string }): Promise<void> {
      const stored = await findSnsMessage(db, snsMessageId);
      const subscribeUrl = (stored?.payload as { SubscribeURL?: string } | undefined)?.SubscribeURL;
      if (!subscribeUrl || !isSnsUrl(subscribeUrl)) {
        throw ApplicationFailure.nonRetryable(`SNS message ${snsMessageId} has no SNS SubscribeURL`, 'BadSubscribeUrl');
      }
      ensureSuccess(await http.request({ method: 'GET', url: subscribeUrl }), 'SNS SubscribeURL');
      await markSnsMessageProcessed(db, snsMessageId, undefined);
      logger.info({ snsMessageId, topicArn: stored?.topic_arn }, 'SNS subscription confirmed');
    },
  };
}

export type SnsActivities = ReturnType<typeof createSnsActivities>;
