import type { ColumnType, Generated, Selectable } from 'kysely';

export const WEBHOOK_EVENT_TYPES = [
  'ticket.created',
  'ticket.updated',
  'ticket.status_changed',
  'ticket.assigned',
  'ticket.priority_changed',
  'conversation.created',
  'customer.created',
  'customer.updated',
  'domain.verified',
  'domain.failed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/** Sent only by webhooks.test, to one webhook, whatever it subscribes to. */
export const TEST_EVENT_TYPE = 'webhook.test';

export interface WebhooksTable {
  id: string;
  org_id: string;
  url: string;
  events: WebhookEventType[];
  secret_sealed: Buffer | null;
  /** The secret before the last rotation, still signing beside the new one until it expires. */
  previous_secret_sealed: Buffer | null;
  previous_secret_expires_at: Date | null;
  enabled: Generated<boolean>;
  status: Generated<'active' | 'failed'>;
  failed_at: Date | null;
  /** Why Relay disabled it (the schedule ran out, the receiver answered 410 Gone). */
  disabled_reason: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}
export type Webhook = Selectable<WebhooksTable>;

/** The body every delivery of an event sends, byte for byte. */
export interface WebhookPayload {
  event: string;
  timestamp: string;
  data: Record<string, unknown>;
}

export interface WebhookEventsTable {
  id: string;
  org_id: string;
  type: string;
  /** Its data is replaced when a privacy redaction erases the person it names. */
  payload: ColumnType<WebhookPayload, string, string>;
  source_id: string | null;
  /** When its deliveries were planned (the fan-out ran); null: the sweep starts its fan-out. */
  fanned_out_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** When retention emptied its payload's data; null while it is kept. */
  content_purged_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: Generated<Date>;
  /** The order events were raised in (replays follow it). */
  seq: ColumnType<string, never, never>;
}

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'skipped'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export interface WebhookDeliveriesTable {
  id: string;
  org_id: string;
  webhook_id: string;
  event_id: string;
  status: Generated<WebhookDeliveryStatus>;
  /** Why a delivery was skipped or failed for good. */
  reason: string | null;
  attempts: Generated<number>;
  /** Bumped by each replay; attempts of an earlier run are superseded. */
  generation: Generated<number>;
  /** The replay that reopened it last. */
  replay_id: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface WebhookDeliveryAttemptsTable {
  id: Generated<string>;
  delivery_id: string;
  attempt: number;
  attempted_at: Generated<Date>;
  http_status: number | null;
  duration_ms: number;
  response_excerpt: string | null;
  error: string | null;
  /** When the next attempt is due, if there is one. */
  next_attempt_at: Date | null;
}
