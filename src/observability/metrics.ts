import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics for one process. A registry per process object (not the global
 * one) so tests can run several apps side by side.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'relay_http_requests_total',
      help: 'HTTP requests answered, by route and status code',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'relay_http_request_duration_seconds',
      help: 'HTTP request latency, by route',
      labelNames: ['method', 'route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    httpBodyBytesInFlight: new Gauge({
      name: 'relay_http_body_bytes_in_flight',
      help: 'Bytes of the request bodies being read or handled now, against API_BODY_BUDGET_MB (declared for authenticated callers, as they arrive for provider webhooks)',
      registers: [registry],
    }),
    httpBodyBytesWaiting: new Gauge({
      name: 'relay_http_body_bytes_waiting',
      help: 'Declared bytes of the request bodies waiting for room in API_BODY_BUDGET_MB (answered 503 after 5 s)',
      registers: [registry],
    }),
    workflowsStarted: new Counter({
      name: 'relay_workflows_started_total',
      help: 'Workflows started by the API, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    webhooks: new Counter({
      name: 'relay_webhooks_total',
      help: 'Provider webhooks received, by provider and outcome (accepted, rejected)',
      labelNames: ['provider', 'outcome'] as const,
      registers: [registry],
    }),
    strandedStarted: new Counter({
      name: 'relay_stranded_started_total',
      help: 'Received work stored but never started (Temporal down, a process killed between store and start) that the sweep started, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    deliveryAttempts: new Counter({
      name: 'relay_delivery_attempts_total',
      help: 'Outgoing HTTP delivery attempts, by target (webhook, partner, partner_error_event) and outcome (succeeded, failed)',
      labelNames: ['target', 'outcome'] as const,
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'relay_deliveries_total',
      help: 'Outgoing deliveries finished, by target (webhook, partner) and outcome (succeeded, failed: every attempt of the schedule failed)',
      labelNames: ['target', 'outcome'] as const,
      registers: [registry],
    }),
    emailOutcomes: new Counter({
      name: 'relay_email_outcomes_total',
      help: 'What SES reported about sent emails (Delivery, Bounce, Complaint, Reject, DeliveryDelay, ...), by event type',
      labelNames: ['event'] as const,
      registers: [registry],
    }),
    sesSends: new Counter({
      name: 'relay_ses_sends_total',
      help: 'SES sends, by outcome (sent, suppressed, rejected, retryable_error)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    sesSendsAtOnce: new Counter({
      name: 'relay_ses_sends_at_once_total',
      help: 'Emails that found no send queued ahead and went to SES inside their workflow task; the rest of relay_ses_sends_total waited on the SES queue',
      registers: [registry],
    }),
    sesSlotsRetaken: new Counter({
      name: 'relay_ses_send_slots_retaken_total',
      help: 'SES sends that woke too late for their paced slot (a stalled worker) and took a later one',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
