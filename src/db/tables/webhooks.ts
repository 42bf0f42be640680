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
  enabled: Generated<boolean>;
  status: Generated<'active' | 'failed'>;
  failed_at: Date | null;
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
  created_at: Generated<Date>;
}

export interface WebhookDeliveriesTable {
  id: string;
  org_id: string;
  webhook_id: string;
  event_id: string;
  status: Generated<'pending' | 'succeeded' | 'failed'>;
  attempts: Generated<number>;
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
}
