import { createHash } from 'node:crypto';
import { ensureSuccess, type HttpClient } from './http.js';

export const BUS_EVENT_TYPES = [
  'relay.email.sent',
  'relay.email.bounced',
  'relay.email.complained',
  'relay.email.inbound',
  'relay.alert.bounce_rate',
  'relay.domain.verified',
  'relay.domain.failed',
  'relay.alert.billing_report_failed',
] as const;
export type BusEventType = (typeof BUS_EVENT_TYPES)[number];

/** One Bus event, as Relay posts it (docs/integrations.md). */
export interface BusEvent {
  /** Stable per fact, so a retried post is a duplicate the Bus can drop. */
  id: string;
  type: BusEventType;
  occurred_at: string;
  /** Empty when the event belongs to no organization Relay knows (mail routed to a product). */
  org_id: string;
  data: Record<string, unknown>;
}

export interface BusClient {
  publish(event: BusEvent): Promise<void>;
}

export function createBusClient(http: HttpClient, bus: { url: string; integrationKey: string }): BusClient {
  const endpoint = `${bus.url.replace(/\/+$/, '')}/events`;
  return {
    async publish(event) {
      const response = await http.request({
        method: 'POST',
        url: endpoint,
        headers: {
          'content-type': 'application/json',
          'x-integration-key': bus.integrationKey,
          'idempotency-key': event.id,
        },
        body: JSON.stringify(event),
      });
      ensureSuccess(response, 'the Bus');
    },
  };
}

/** A stable event id from the fact it describes, shaped like a UUID for receivers that expect one. */
export function busEventId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
