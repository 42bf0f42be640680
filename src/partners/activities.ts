import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../db/database.js';
import { describeFailure, type HttpClient } from '../integrations/http.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { EncryptionUnavailable, UnopenableSecret, type SecretBox } from '../security/encryption.js';
import { partnerSigningSecret } from './credentials.js';
import { hmacSha256 } from '../security/signatures.js';
import { findPartnerDeliveryTarget, insertPartnerDeliveryAttempt, listPartnerDeliveryAttempts, updatePartnerDeliveryStatus } from './delivery-repository.js';

export interface PartnerActivityDeps {
  db: Db;
  /** The guarded client (SSRF policy), shared with outgoing webhooks. */
  webhookHttp: HttpClient;
  secretBox: SecretBox;
  logger: Logger;
  metrics: Metrics;
}

/** The seed's headers: X-RelayIt-Signature = sha256=hex HMAC-SHA256(secret, "{timestamp}.{raw body}"). */
export function relayItHeaders(secret: string, body: string, idempotencyKey: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-relayit-signature': `sha256=${hmacSha256(secret, `${timestamp}.${body}`).toString('hex')}`,
    'x-relayit-timestamp': String(timestamp),
    'x-relayit-idempotency-key': idempotencyKey,
    'x-relayit-api-version': '1',
  };
}

const PARTNER_TIMEOUT_MS = 30_000;

/** The activities that make outgoing HTTP calls: they run on the deliveries task queue. */
export const PARTNER_DELIVERY_ACTIVITY_NAMES = ['deliverToPartner', 'sendPartnerErrorEvent'] as const satisfies readonly (keyof PartnerActivities)[];

export function createPartnerActivities({ db, webhookHttp, secretBox, logger, metrics }: PartnerActivityDeps) {
  async function load(idempotencyKey: string) {
    const row = await findPartnerDeliveryTarget(db, idempotencyKey);
    if (!row) throw ApplicationFailure.nonRetryable(`no partner delivery ${idempotencyKey}`, 'DeliveryNotFound');
    return row;
  }

  /** One signed POST; its time, status and error are logged whatever happens. */
  async function post(
    kind: 'delivery' | 'error_event',
    idempotencyKey: string,
    url: string,
    body: string,
    key: string,
    partner: { partner_id: string; signing_secret_sealed: Buffer },
  ) {
    const attempt = Context.current().info.attempt;
    let secret: string;
    try {
      secret = secretBox.open(partner.signing_secret_sealed, partnerSigningSecret(partner.partner_id));
    } catch (error) {
      if (!(error instanceof EncryptionUnavailable || error instanceof UnopenableSecret)) throw error;
      // Nothing goes out unsigned or signed with another partner's secret.
      throw ApplicationFailure.nonRetryable(`the partner's signing secret cannot be opened: ${error.message}`, 'SecretUnavailable');
    }
    const headers = relayItHeaders(secret, body, key);
    const started = performance.now();
    let status: number | null = null;
    let responseBody = '';
    let error: string | null = null;
    try {
      const response = await webhookHttp.request({ method: 'POST', url, headers, body, timeoutMs: PARTNER_TIMEOUT_MS });
      status = response.status;
      responseBody = response.body;
      if (status < 200 || status >= 300) error = `HTTP ${status}: ${response.body.slice(0, 200) || 'no body'}`;
    } catch (failure) {
      error = describeFailure(failure);
    }
    await insertPartnerDeliveryAttempt(db, { idempotencyKey, kind, attempt, httpStatus: status, durationMs: Math.round(performance.now() - started), error });
    metrics.deliveryAttempts.inc({ target: kind === 'delivery' ? 'partner' : 'partner_error_event', outcome: error ? 'failed' : 'succeeded' });
    // Any non-2xx is retried (the seed: 5 attempts in all); Temporal's policy spaces them.
    if (error) throw ApplicationFailure.retryable(error, 'PartnerDeliveryFailed', { status });
    return { status, responseBody };
  }

  return {
    /** Delivers one debrief action to the partner's webhook_url. Any 2xx succeeds; the `id` it returns is kept. */
    async deliverToPartner({ idempotencyKey }: { idempotencyKey: string }): Promise<{ partnerRecordId: string | null }> {
      const delivery = await load(idempotencyKey);
      const { responseBody } = await post('delivery', idempotencyKey, delivery.webhook_url, JSON.stringify(delivery.payload), idempotencyKey, delivery);
      let partnerRecordId: string | null = null;
      try {
        const parsed = JSON.parse(responseBody) as { id?: unknown };
        if (typeof parsed.id === 'string' || typeof parsed.id === 'number') partnerRecordId = String(parsed.id).slice(0, 256);
      } catch {
        // A 2xx without a JSON body is still a success.
      }
      await updatePartnerDeliveryStatus(db, idempotencyKey, { status: 'succeeded', partnerRecordId });
      metrics.deliveries.inc({ target: 'partner', outcome: 'succeeded' });
      logger.info({ orgId: delivery.org_id, partnerId: delivery.partner_id, idempotencyKey }, 'partner delivery succeeded');
      return { partnerRecordId };
    },

    /** After every attempt failed: the signed write_failed event to the partner's error_url, key "<key>:err". */
    async sendPartnerErrorEvent({ idempotencyKey }: { idempotencyKey: string }): Promise<{ sent: boolean }> {
      const delivery = await load(idempotencyKey);
      if (!delivery.error_url) return { sent: false };
      const attempts = await listPartnerDeliveryAttempts(db, [idempotencyKey], 'delivery');
      const last = attempts.at(-1);
      const payload = delivery.payload as { action: string; record_id?: string; fields?: Record<string, unknown>; content?: string };
      const body = JSON.stringify({
        event: 'write_failed',
        provider: 'open_api',
        action: payload.action,
        record_id: payload.record_id ?? null,
        idempotency_key: idempotencyKey,
        attempts: attempts.length,
        last_error: last?.error ?? null,
        last_http_status: last?.http_status ?? null,
        fields_written: payload.fields ?? (payload.content !== undefined ? { content: payload.content } : {}),
        failed_at: (last?.at ?? new Date()).toISOString(),
      });
      await post('error_event', idempotencyKey, delivery.error_url, body, `${idempotencyKey}:err`, delivery);
      return { sent: true };
    },

    async recordPartnerDeliveryFailed({ idempotencyKey, errorEvent }: { idempotencyKey: string; errorEvent: 'sent' | 'failed' | 'none' }): Promise<void> {
      await updatePartnerDeliveryStatus(db, idempotencyKey, { status: 'failed', errorEvent });
      metrics.deliveries.inc({ target: 'partner', outcome: 'failed' });
      logger.warn({ idempotencyKey, errorEvent }, 'partner delivery failed after every attempt');
    },

    async recordPartnerDeliveryReplay({ idempotencyKey }: { idempotencyKey: string }): Promise<void> {
      await updatePartnerDeliveryStatus(db, idempotencyKey, { status: 'pending', errorEvent: null });
    },
  };
}

export type PartnerActivities = ReturnType<typeof createPartnerActivities>;
