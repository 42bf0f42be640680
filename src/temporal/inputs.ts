// Workflow inputs and results: serialisable, carrying ids, never message bodies
// (Temporal payloads are capped; the body lives in PostgreSQL).

/** Set by `relay replay` on a new run of a workflow that failed. */
export interface ReplayMarker {
  replayOf?: { runId: string };
}

export interface SendEmailInput extends ReplayMarker {
  orgId: string;
  emailId: string;
}

export type SendEmailResult = { status: 'sent'; sesMessageId: string } | { status: 'suppressed' };

export interface SesEventInput {
  snsMessageId: string;
}

export interface SnsSubscriptionInput {
  snsMessageId: string;
}

export interface DailyUsageInput {
  /** The UTC day to report, YYYY-MM-DD; from the schedule's time when absent. */
  date?: string;
}

export interface ProcessInboundInput extends ReplayMarker {
  inboundId: string;
  /** Attempts at a product before the message is archived (INBOUND_ROUTE_MAX_ATTEMPTS). */
  routeMaxAttempts: number;
}

export interface FanOutWebhookEventInput {
  eventId: string;
}

export interface DeliverWebhookInput extends ReplayMarker {
  deliveryId: string;
  /** Waits before each retry, in ms; the production values are WEBHOOK_RETRY_SCHEDULE_SECONDS. */
  retryScheduleMs: readonly number[];
}

export interface PartnerDeliveryInput extends ReplayMarker {
  idempotencyKey: string;
  /** PARTNER_DELIVERY_ATTEMPTS and PARTNER_DELIVERY_FIRST_RETRY_MS (production: 5 and 1000). */
  retry: { attempts: number; firstRetryMs: number };
}

export interface ChannelMessageInput {
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

export interface CommerceEventInput {
  eventId: string;
}

export interface SendReplyInput {
  orgId: string;
  replyId: string;
  /** email, twilio, whatsapp, messenger or slack: how the workflow sends it. */
  channel: string;
}

export type SendReplyResult = { status: 'sent'; providerMessageId: string } | { status: 'failed'; reason: string };
