import type { SendPriority } from '../db/tables/emails.js';

// Workflow inputs and results: serialisable, carrying ids, never message bodies
// (Temporal payloads are capped; the body lives in PostgreSQL).

/** Set by `relay replay` on a new run of a workflow that failed. */
export interface ReplayMarker {
  replayOf?: { runId: string };
}

export interface SendEmailInput extends ReplayMarker {
  orgId: string;
  emailId: string;
  /** Its place on the shared queues (normal when absent: runs started before priorities existed). */
  priority?: SendPriority;
  /** The stored content's size as JSON, so the worker budgets its memory without a query (absent: read from the database). */
  contentBytes?: number;
  /**
   * How the run sends: `at-once-when-idle` (a single send: at once when no send is queued
   * ahead, otherwise on the SES queue) or `queued` (a batch's emails, a backlog by nature, and
   * restarted ones: straight to the SES queue, in priority and fairness order). Set on every
   * run started since emails could go at once, which also publish their Bus event without
   * consulting its patch; runs started before lack it and keep the path their history holds.
   */
  sendPath?: 'at-once-when-idle' | 'queued';
}

export type SendEmailResult = { status: 'sent'; sesMessageId: string } | { status: 'suppressed' };

/**
 * Set by the starter on every run since the workflow's database steps are local
 * activities: they run inside its workflow tasks (no activity task each, often the whole
 * run in one task), and it consults no patch (each call costs a marker and a change-version
 * update). Runs started before lack it and keep the path their history holds.
 */
export interface LocalActivitiesMarker {
  localActivities?: true;
}

export interface SesEventInput extends LocalActivitiesMarker {
  snsMessageId: string;
}

export interface SnsSubscriptionInput {
  snsMessageId: string;
}

export interface DailyUsageInput {
  /** The UTC day to report, YYYY-MM-DD; from the schedule's time when absent. */
  date?: string;
  /** How long each organization's report is retried against Books before the alert (BILLING_REPORT_DEADLINE_HOURS, production 48 h). */
  deliverWithinMs: number;
  /** Where a continued run picks up: the last organization of the page before, and the counts so far. */
  afterOrgId?: string;
  totals?: { reported: number; failed: number };
}

export interface OrgUsageReportInput {
  orgId: string;
  date: string;
  emailsSent: number;
  recipients: number;
  deliverWithinMs: number;
}

export interface ProcessInboundInput extends ReplayMarker, LocalActivitiesMarker {
  inboundId: string;
  /** Attempts at a product before the message is archived (INBOUND_ROUTE_MAX_ATTEMPTS). */
  routeMaxAttempts: number;
}

export interface WebhookEventInput {
  eventId: string;
  /** Set on the children past the fan-out cap: this page starts after that webhook id. */
  afterWebhookId?: string;
  /**
   * Set by the starter on every run it starts: the first attempts go out a batch of
   * endpoints per activity (WEBHOOK_FIRST_ATTEMPT_BATCH). Runs started before lack it and
   * keep an activity per endpoint, as their history holds.
   */
  batchFirstAttempts?: true;
}

export interface WebhookReplayInput {
  replayId: string;
  /** Where a continued run picks up: the last event seq it finished. */
  afterSeq?: string;
}

export interface WebhookTestInput {
  deliveryId: string;
}

export interface PartnerDeliveryInput extends ReplayMarker {
  idempotencyKey: string;
  /** PARTNER_DELIVERY_ATTEMPTS and PARTNER_DELIVERY_FIRST_RETRY_MS (production: 5 and 1000). */
  retry: { attempts: number; firstRetryMs: number };
}

export interface ChannelMessageInput extends LocalActivitiesMarker {
  messageId: string;
}

export interface DialpadCallInput {
  orgId: string;
  channelId: string;
  callId: string;
  /** How long a voicemail waits for its recording and transcription before going on without. */
  voicemailWaitMs: number;
  /** How long a call that ended without a voicemail waits for a late voicemail event. */
  afterHangupWaitMs: number;
  /** The longest a call is followed at all. */
  maxCallMs: number;
}

export interface CommerceEventInput extends LocalActivitiesMarker {
  eventId: string;
}

export interface VerifyDomainInput {
  orgId: string;
  domainId: string;
  /** DOMAIN_CHECK_* settings; production: every 30 s at first, backing off to 15 min, failing after 72 h. */
  checks: { firstIntervalMs: number; maxIntervalMs: number; giveUpAfterMs: number };
  /** When the verification gives up (epoch ms); set by the first run and kept across continue-as-new. */
  deadline?: number;
}

export interface VerifySupportAddressInput {
  claimId: string;
  /** The DNS checks' schedule, shared with sending domains (DOMAIN_CHECK_*); the claim expires when it ends. */
  checks: { firstIntervalMs: number; maxIntervalMs: number; giveUpAfterMs: number };
  deadline?: number;
}

export interface RegisterShopifyWebhooksInput {
  accountId: string;
}

export interface SendReplyInput {
  orgId: string;
  replyId: string;
  /** email, twilio, whatsapp, messenger or slack: how the workflow sends it. */
  channel: string;
}

export type SendReplyResult = { status: 'sent'; providerMessageId: string } | { status: 'failed'; reason: string };
