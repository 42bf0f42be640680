import { z } from 'zod';

/**
 * Every setting Relay reads, from environment variables, parsed once at start.
 * Nothing else in the code base reads `process.env`.
 */
const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const booleanFlag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((value) => value === 'true' || value === '1');

const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),

  DATABASE_URL: optionalString,

  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('relay'),
  TEMPORAL_TLS: booleanFlag,
  TEMPORAL_TLS_CERT_PATH: optionalString,
  TEMPORAL_TLS_KEY_PATH: optionalString,
  TEMPORAL_API_KEY: optionalString,
  // Where people open the Temporal UI: the dashboard links each email to its workflow there (relay dev: its dev server's UI).
  TEMPORAL_UI_URL: z
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),

  AWS_REGION: z.string().default('us-east-1'),
  AWS_ACCESS_KEY_ID: optionalString,
  AWS_SECRET_ACCESS_KEY: optionalString,
  SES_ENDPOINT: optionalString,
  SES_CONFIGURATION_SET: optionalString,
  // Default SES production quota is 14 messages per second; set it to your account's.
  SES_MAX_SEND_RATE: z.coerce.number().positive().default(14),
  // Where SES identity calls (sending domains) go; the SES endpoint when unset. `relay dev`
  // points it at its identity stand-in, since the emulator has no identity API.
  SES_IDENTITY_ENDPOINT: optionalString,
  // Sending-domain verification: checks start this often, back off to the maximum, and
  // the domain fails when SES has not verified it within the timeout (SES's own 72 h).
  DOMAIN_CHECK_FIRST_SECONDS: z.coerce.number().positive().default(30),
  DOMAIN_CHECK_MAX_SECONDS: z.coerce.number().positive().default(900),
  DOMAIN_VERIFY_TIMEOUT_HOURS: z.coerce.number().positive().default(72),
  // SNS topics whose notifications /api/webhooks/ses accepts (comma-separated ARNs).
  SNS_TOPIC_ARNS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((arn) => arn.trim())
        .filter(Boolean),
    ),

  RELAY_ADMIN_KEY: optionalString,
  // Bearer token for /metrics: the API serves it only with this; the worker's listener asks for it when set.
  METRICS_TOKEN: optionalString,
  INTEGRATION_KEY: optionalString,
  BUS_API_URL: z
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  BUS_INTEGRATION_KEY: optionalString,
  HUB_BILLING_API_URL: z
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),

  RELAY_INBOUND_DOMAIN: z.string().min(3).default('relay.theonestack.com'),
  // Relay's own mail (support address confirmations); its domain must be verified in SES.
  RELAY_SYSTEM_FROM: optionalString,
  PSA_API_URL: z
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  CRM_API_URL: z
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  PORTAL_API_URL: z
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  // Attempts at a product before the message goes to the inbound archive instead.
  INBOUND_ROUTE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  MAILGUN_WEBHOOK_SIGNING_KEY: optionalString,
  SENDGRID_INBOUND_PUBLIC_KEY: optionalString,
  POSTMARK_INBOUND_TOKEN: optionalString,
  CLOUDMAILIN_USERNAME: optionalString,
  CLOUDMAILIN_PASSWORD: optionalString,
  // SNS topics of SES receipt rules that deliver inbound mail (comma-separated ARNs).
  SES_INBOUND_TOPIC_ARNS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((arn) => arn.trim())
        .filter(Boolean),
    ),

  // 32 bytes, base64: seals secrets Relay must use later (webhook, partner, channel and shop secrets).
  RELAY_ENCRYPTION_KEY: optionalString.refine((value) => value === undefined || Buffer.from(value, 'base64').length === 32, '32 bytes, base64-encoded'),
  // During a key rotation (`relay secrets rotate-key`): comma-separated keys that open what
  // they sealed, never seal; kept until `relay secrets status` says nothing needs them.
  RELAY_ENCRYPTION_KEY_PREVIOUS: optionalString
    .transform((value) =>
      (value ?? '')
        .split(',')
        .map((key) => key.trim())
        .filter(Boolean),
    )
    .refine((keys) => keys.every((key) => Buffer.from(key, 'base64').length === 32), 'comma-separated keys of 32 bytes, base64-encoded'),
  // Lets webhooks use http and loopback addresses: for local development and tests only.
  RELAY_ALLOW_INSECURE_WEBHOOKS: booleanFlag,
  // The outgoing webhook retry schedule, seconds after each failed attempt (the seed's 1m, 5m, 30m, 2h, 24h).
  WEBHOOK_RETRY_SCHEDULE_SECONDS: z
    .string()
    .default('60,300,1800,7200,86400')
    .transform((value, ctx) => {
      const seconds = value.split(',').map((part) => Number(part.trim()));
      if (seconds.some((n) => !Number.isFinite(n) || n < 0)) ctx.addIssue({ code: 'custom', message: 'comma-separated non-negative numbers' });
      return seconds;
    }),

  // After webhooks.rotateSecret, deliveries are signed with the old secret too for this long.
  WEBHOOK_SECRET_ROTATION_OVERLAP_SECONDS: z.coerce.number().min(0).default(86_400),
  // Activity slots a worker gives outgoing HTTP deliveries (webhooks, partners), on their own task
  // queue: a POST each, or a batch of a webhook event's first attempts (WEBHOOK_FIRST_ATTEMPT_BATCH).
  // Receivers that hang for their 30 s hold these slots, never email sends'.
  OUTGOING_DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(2000).default(200),

  // Where Relay is reached from outside (OAuth redirects, consent page, cookies' Secure flag).
  PUBLIC_URL: z
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  HUB_API_URL: z
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  PORTAL_SSO_SECRET: optionalString,
  SESSION_TTL_HOURS: z.coerce.number().positive().default(12),
  // Sessions are re-validated with Hub at most this often (0: on every request, as the seed
  // says), so a user removed in Hub loses access within it; docs/integrations.md has the cost.
  HUB_SESSION_CACHE_SECONDS: z.coerce.number().min(0).max(5).default(5),
  // The seed's partner delivery policy: 5 attempts, backoff 1 s, 2 s, 4 s, 8 s.
  PARTNER_DELIVERY_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  PARTNER_DELIVERY_FIRST_RETRY_MS: z.coerce.number().int().min(1).default(1000),
  // 403/404 answers to one partner's tokens within a minute that suspend the partner.
  PARTNER_SUSPEND_AFTER_DENIALS: z.coerce.number().int().min(1).default(50),

  // A voicemail waits this long for its recording and transcription, then goes on with what it has.
  DIALPAD_VOICEMAIL_WAIT_SECONDS: z.coerce.number().positive().default(600),
  // A call that ended without a voicemail waits this long for a late voicemail event.
  DIALPAD_AFTER_HANGUP_WAIT_SECONDS: z.coerce.number().min(0).default(300),

  // Where agent replies go out: the providers' API base URLs (tests point them at loopback fakes).
  TWILIO_API_URL: z.url().default('https://api.twilio.com'),
  META_GRAPH_API_URL: z.url().default('https://graph.facebook.com/v23.0'),
  SLACK_API_URL: z.url().default('https://slack.com/api'),

  // Relay's Shopify app: shops connect through its OAuth install (client id and secret).
  SHOPIFY_API_KEY: optionalString,
  SHOPIFY_API_SECRET: optionalString,
  SHOPIFY_SCOPES: z.string().default('read_orders,read_customers'),
  SHOPIFY_API_VERSION: z
    .string()
    .regex(/^\d{4}-\d{2}$/)
    .default('2025-10'),
  // A shop's base URL; {shop} is its myshopify.com domain.
  SHOPIFY_SHOP_BASE_URL: z.string().includes('{shop}').default('https://{shop}'),
  // Relay as a Stripe Connect platform: accounts connect through Connect OAuth.
  STRIPE_CONNECT_CLIENT_ID: optionalString,
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_CONNECT_BASE_URL: z.url().default('https://connect.stripe.com'),
  STRIPE_WEBHOOK_SECRET: optionalString,
  STRIPE_CONNECT_WEBHOOK_SECRET: optionalString,
  RESEND_WEBHOOK_SECRET: optionalString,
  // SNS topics of Amazon Seller Central notifications (comma-separated ARNs).
  AMAZON_SNS_TOPIC_ARNS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((arn) => arn.trim())
        .filter(Boolean),
    ),

  // Deployment-wide defaults of the per-organization limits (each organization may have its
  // own, set with the admin API or `relay orgs limits`); unset means unlimited.
  ORG_DAILY_SEND_QUOTA: z.coerce.number().int().positive().optional(),
  ORG_API_REQUESTS_PER_SECOND: z.coerce.number().positive().optional(),
  // Days message bodies, attachments, raw inbound requests and delivery logs are kept, for
  // organizations without their own period; the metadata billing and audit need stays.
  RETENTION_DAYS: z.coerce.number().int().positive().default(30),

  BOUNCE_ALERT_THRESHOLD: z.coerce.number().min(0).max(1).default(0.05),
  BOUNCE_ALERT_WINDOW_HOURS: z.coerce.number().positive().default(24),
  BOUNCE_ALERT_MIN_SENDS: z.coerce.number().int().min(1).default(100),

  // Request bodies one API process reads and handles at once (declared MB): bounds the heap a
  // burst of large sends takes; a request finding no room waits up to 5 s, then gets a 503.
  // Size the API's heap with it (docs/operations.md, deploy/api.env).
  API_BODY_BUDGET_MB: z.coerce.number().int().min(1).max(4096).default(32),
  // Seconds a body read before its sender is known (a provider webhook's, whose signature
  // covers it) may take to arrive; past it, 408 and the connection is closed. Providers give
  // up on an answer well before 30 s, so only a stalled or deliberately slow sender reaches it.
  API_PROVIDER_BODY_TIMEOUT_S: z.coerce.number().int().min(1).max(600).default(30),
  // Stored message bytes one worker loads, builds and hands to SES at once (MB): bounds the heap
  // a backlog of large emails takes; a send past it waits its turn. Size the worker's heap
  // with it (docs/operations.md, deploy/worker.env).
  WORKER_SEND_BUDGET_MB: z.coerce.number().int().min(1).max(4096).default(32),
  // The worker's /healthz and /metrics listener (on HOST); unset: none.
  WORKER_HTTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  // Workflow runs a worker keeps cached between their tasks: memory against replays (docs/operations.md).
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(1000),
  // Work received this long ago and still not started (an email queued, an inbound message
  // still received, a channel message not threaded, ...) is started by the sweep.
  STRANDED_AFTER_SECONDS: z.coerce.number().positive().default(120),
  // An organization's day of usage not accepted by Books this long after the first try raises
  // relay.alert.billing_report_failed (a 4xx from Books raises it at once).
  BILLING_REPORT_DEADLINE_HOURS: z.coerce.number().positive().default(48),
});

type RawConfig = z.infer<typeof configSchema>;

/** Production rules that look at several settings at once. */
const productionRules = configSchema.superRefine((raw, ctx) => {
  if (raw.NODE_ENV !== 'production') return;
  // Session cookies are Secure only over https; production never serves sign-in over http.
  if (!raw.PUBLIC_URL?.startsWith('https://')) ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: 'must be an https URL when NODE_ENV=production' });
  if (raw.RELAY_ALLOW_INSECURE_WEBHOOKS)
    ctx.addIssue({ code: 'custom', path: ['RELAY_ALLOW_INSECURE_WEBHOOKS'], message: 'must be off when NODE_ENV=production' });
});

export interface Config {
  readonly env: RawConfig['NODE_ENV'];
  readonly logLevel: RawConfig['LOG_LEVEL'];
  readonly http: { readonly host: string; readonly port: number; readonly bodyBudgetBytes: number; readonly providerBodyTimeoutMs: number };
  readonly databaseUrl: string | undefined;
  readonly temporal: {
    readonly address: string | undefined;
    readonly namespace: string;
    readonly taskQueue: string;
    readonly tls: boolean;
    readonly tlsCertPath: string | undefined;
    readonly tlsKeyPath: string | undefined;
    readonly apiKey: string | undefined;
    /** The Temporal UI's base URL, for links from the dashboard; undefined: no links. */
    readonly uiUrl: string | undefined;
  };
  readonly snsTopicArns: readonly string[];
  readonly adminKey: string | undefined;
  readonly metricsToken: string | undefined;
  /** Sent as X-Integration-Key on calls to sibling products (Books, PSA, CRM, Portal). */
  readonly integrationKey: string | undefined;
  /** The Bus; undefined when either half is missing: no events are emitted. */
  readonly bus: { readonly url: string; readonly integrationKey: string } | undefined;
  readonly booksUrl: string | undefined;
  readonly inbound: {
    readonly domain: string;
    /** From of Relay's own mail (support address confirmations). */
    readonly systemFrom: string;
    readonly routeMaxAttempts: number;
    readonly psaUrl: string | undefined;
    readonly crmUrl: string | undefined;
    readonly portalUrl: string | undefined;
    readonly sesTopicArns: readonly string[];
    readonly mailgunSigningKey: string | undefined;
    readonly sendgridPublicKey: string | undefined;
    readonly postmarkToken: string | undefined;
    readonly cloudmailin: { readonly username: string; readonly password: string } | undefined;
  };
  readonly publicUrl: string;
  /** Hub SSO; undefined when HUB_API_URL or PORTAL_SSO_SECRET is missing (no dashboard sign-in). */
  readonly hub: { readonly url: string; readonly ssoSecret: string; readonly sessionCacheMs: number } | undefined;
  readonly sessionTtlHours: number;
  readonly partners: { readonly deliveryAttempts: number; readonly firstRetryMs: number; readonly suspendAfterDenials: number };
  readonly dialpad: { readonly voicemailWaitMs: number; readonly afterHangupWaitMs: number };
  /** Base URLs of the APIs agent replies are sent through. */
  readonly replyProviders: { readonly twilioUrl: string; readonly metaGraphUrl: string; readonly slackUrl: string };
  readonly commerce: {
    /** Relay's Shopify app; undefined when SHOPIFY_API_KEY or SHOPIFY_API_SECRET is missing (no shop can connect). */
    readonly shopifyApp:
      { readonly apiKey: string; readonly apiSecret: string; readonly scopes: string; readonly apiVersion: string; readonly shopBaseUrl: string } | undefined;
    /** Relay's Connect platform; undefined when STRIPE_CONNECT_CLIENT_ID or STRIPE_SECRET_KEY is missing. */
    readonly stripeConnectApp: { readonly clientId: string; readonly secretKey: string; readonly baseUrl: string } | undefined;
    readonly shopifyApiSecret: string | undefined;
    readonly stripeWebhookSecret: string | undefined;
    readonly stripeConnectWebhookSecret: string | undefined;
    readonly resendWebhookSecret: string | undefined;
    readonly amazonTopicArns: readonly string[];
  };
  readonly encryptionKey: string | undefined;
  /** The keys being rotated away from, or to (RELAY_ENCRYPTION_KEY_PREVIOUS): they open what they sealed, never seal. */
  readonly previousEncryptionKeys: readonly string[];
  readonly webhooks: { readonly allowInsecure: boolean; readonly retryScheduleMs: readonly number[]; readonly rotationOverlapMs: number };
  /** Activity slots per worker for outgoing HTTP deliveries (webhooks and partners). */
  readonly deliveries: { readonly concurrency: number };
  readonly bounceAlert: { readonly threshold: number; readonly windowHours: number; readonly minSends: number };
  /** Defaults for organizations without limits of their own; undefined: unlimited. */
  readonly orgLimits: { readonly dailySendQuota: number | undefined; readonly apiRequestsPerSecond: number | undefined; readonly retentionDays: number };
  readonly domains: { readonly checks: { readonly firstIntervalMs: number; readonly maxIntervalMs: number; readonly giveUpAfterMs: number } };
  readonly ses: {
    readonly region: string;
    readonly endpoint: string | undefined;
    /** SES identity calls (sending domains); the SES endpoint when unset. */
    readonly identityEndpoint: string | undefined;
    readonly configurationSet: string | undefined;
    readonly maxSendRate: number;
    /** Explicit keys, placeholder keys for a local emulator, or undefined for the SDK's default chain (roles). */
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
  };
  readonly worker: { readonly httpPort: number | undefined; readonly maxCachedWorkflows: number; readonly sendBudgetBytes: number };
  /** Received work still not started this long after it was stored is started by the sweep. */
  readonly strandedAfterMs: number;
  /** How long one organization's day of usage is retried against Books before the alert. */
  readonly billingReportDeadlineMs: number;
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = productionRules.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const raw = parsed.data;
  return deepFreeze({
    env: raw.NODE_ENV,
    logLevel: raw.LOG_LEVEL,
    http: {
      host: raw.HOST,
      port: raw.PORT,
      bodyBudgetBytes: raw.API_BODY_BUDGET_MB * 1024 * 1024,
      providerBodyTimeoutMs: raw.API_PROVIDER_BODY_TIMEOUT_S * 1000,
    },
    databaseUrl: raw.DATABASE_URL,
    temporal: {
      address: raw.TEMPORAL_ADDRESS,
      namespace: raw.TEMPORAL_NAMESPACE,
      taskQueue: raw.TEMPORAL_TASK_QUEUE,
      tls: raw.TEMPORAL_TLS,
      tlsCertPath: raw.TEMPORAL_TLS_CERT_PATH,
      tlsKeyPath: raw.TEMPORAL_TLS_KEY_PATH,
      apiKey: raw.TEMPORAL_API_KEY,
      uiUrl: raw.TEMPORAL_UI_URL?.replace(/\/+$/, ''),
    },
    snsTopicArns: raw.SNS_TOPIC_ARNS,
    adminKey: raw.RELAY_ADMIN_KEY,
    metricsToken: raw.METRICS_TOKEN,
    integrationKey: raw.INTEGRATION_KEY,
    bus: raw.BUS_API_URL && raw.BUS_INTEGRATION_KEY ? { url: raw.BUS_API_URL, integrationKey: raw.BUS_INTEGRATION_KEY } : undefined,
    booksUrl: raw.HUB_BILLING_API_URL,
    inbound: {
      domain: raw.RELAY_INBOUND_DOMAIN.toLowerCase(),
      systemFrom: raw.RELAY_SYSTEM_FROM ?? `Relay <no-reply@${raw.RELAY_INBOUND_DOMAIN.toLowerCase()}>`,
      routeMaxAttempts: raw.INBOUND_ROUTE_MAX_ATTEMPTS,
      psaUrl: raw.PSA_API_URL,
      crmUrl: raw.CRM_API_URL,
      portalUrl: raw.PORTAL_API_URL,
      sesTopicArns: raw.SES_INBOUND_TOPIC_ARNS,
      mailgunSigningKey: raw.MAILGUN_WEBHOOK_SIGNING_KEY,
      sendgridPublicKey: raw.SENDGRID_INBOUND_PUBLIC_KEY,
      postmarkToken: raw.POSTMARK_INBOUND_TOKEN,
      cloudmailin:
        raw.CLOUDMAILIN_USERNAME && raw.CLOUDMAILIN_PASSWORD ? { username: raw.CLOUDMAILIN_USERNAME, password: raw.CLOUDMAILIN_PASSWORD } : undefined,
    },
    publicUrl: (raw.PUBLIC_URL ?? `http://${raw.HOST}:${raw.PORT}`).replace(/\/+$/, ''),
    hub:
      raw.HUB_API_URL && raw.PORTAL_SSO_SECRET
        ? { url: raw.HUB_API_URL.replace(/\/+$/, ''), ssoSecret: raw.PORTAL_SSO_SECRET, sessionCacheMs: raw.HUB_SESSION_CACHE_SECONDS * 1000 }
        : undefined,
    sessionTtlHours: raw.SESSION_TTL_HOURS,
    partners: {
      deliveryAttempts: raw.PARTNER_DELIVERY_ATTEMPTS,
      firstRetryMs: raw.PARTNER_DELIVERY_FIRST_RETRY_MS,
      suspendAfterDenials: raw.PARTNER_SUSPEND_AFTER_DENIALS,
    },
    dialpad: { voicemailWaitMs: raw.DIALPAD_VOICEMAIL_WAIT_SECONDS * 1000, afterHangupWaitMs: raw.DIALPAD_AFTER_HANGUP_WAIT_SECONDS * 1000 },
    replyProviders: {
      twilioUrl: raw.TWILIO_API_URL.replace(/\/+$/, ''),
      metaGraphUrl: raw.META_GRAPH_API_URL.replace(/\/+$/, ''),
      slackUrl: raw.SLACK_API_URL.replace(/\/+$/, ''),
    },
    commerce: {
      shopifyApp:
        raw.SHOPIFY_API_KEY && raw.SHOPIFY_API_SECRET
          ? {
              apiKey: raw.SHOPIFY_API_KEY,
              apiSecret: raw.SHOPIFY_API_SECRET,
              scopes: raw.SHOPIFY_SCOPES,
              apiVersion: raw.SHOPIFY_API_VERSION,
              shopBaseUrl: raw.SHOPIFY_SHOP_BASE_URL,
            }
          : undefined,
      stripeConnectApp:
        raw.STRIPE_CONNECT_CLIENT_ID && raw.STRIPE_SECRET_KEY
          ? { clientId: raw.STRIPE_CONNECT_CLIENT_ID, secretKey: raw.STRIPE_SECRET_KEY, baseUrl: raw.STRIPE_CONNECT_BASE_URL }
          : undefined,
      shopifyApiSecret: raw.SHOPIFY_API_SECRET,
      stripeWebhookSecret: raw.STRIPE_WEBHOOK_SECRET,
      stripeConnectWebhookSecret: raw.STRIPE_CONNECT_WEBHOOK_SECRET,
      resendWebhookSecret: raw.RESEND_WEBHOOK_SECRET,
      amazonTopicArns: raw.AMAZON_SNS_TOPIC_ARNS,
    },
    encryptionKey: raw.RELAY_ENCRYPTION_KEY,
    previousEncryptionKeys: raw.RELAY_ENCRYPTION_KEY_PREVIOUS,
    webhooks: {
      allowInsecure: raw.RELAY_ALLOW_INSECURE_WEBHOOKS,
      retryScheduleMs: raw.WEBHOOK_RETRY_SCHEDULE_SECONDS.map((seconds) => seconds * 1000),
      rotationOverlapMs: raw.WEBHOOK_SECRET_ROTATION_OVERLAP_SECONDS * 1000,
    },
    deliveries: { concurrency: raw.OUTGOING_DELIVERY_CONCURRENCY },
    bounceAlert: { threshold: raw.BOUNCE_ALERT_THRESHOLD, windowHours: raw.BOUNCE_ALERT_WINDOW_HOURS, minSends: raw.BOUNCE_ALERT_MIN_SENDS },
    orgLimits: { dailySendQuota: raw.ORG_DAILY_SEND_QUOTA, apiRequestsPerSecond: raw.ORG_API_REQUESTS_PER_SECOND, retentionDays: raw.RETENTION_DAYS },
    domains: {
      checks: {
        firstIntervalMs: raw.DOMAIN_CHECK_FIRST_SECONDS * 1000,
        maxIntervalMs: raw.DOMAIN_CHECK_MAX_SECONDS * 1000,
        giveUpAfterMs: raw.DOMAIN_VERIFY_TIMEOUT_HOURS * 3_600_000,
      },
    },
    ses: {
      region: raw.AWS_REGION,
      endpoint: raw.SES_ENDPOINT,
      identityEndpoint: raw.SES_IDENTITY_ENDPOINT ?? raw.SES_ENDPOINT,
      configurationSet: raw.SES_CONFIGURATION_SET,
      maxSendRate: raw.SES_MAX_SEND_RATE,
      credentials:
        raw.AWS_ACCESS_KEY_ID && raw.AWS_SECRET_ACCESS_KEY
          ? { accessKeyId: raw.AWS_ACCESS_KEY_ID, secretAccessKey: raw.AWS_SECRET_ACCESS_KEY }
          : raw.SES_ENDPOINT
            ? { accessKeyId: 'local', secretAccessKey: 'local' }
            : undefined,
    },
    worker: { httpPort: raw.WORKER_HTTP_PORT, maxCachedWorkflows: raw.WORKER_MAX_CACHED_WORKFLOWS, sendBudgetBytes: raw.WORKER_SEND_BUDGET_MB * 1024 * 1024 },
    strandedAfterMs: raw.STRANDED_AFTER_SECONDS * 1000,
    billingReportDeadlineMs: raw.BILLING_REPORT_DEADLINE_HOURS * 3600_000,
  });
}

/** Fails with every one of `names` that the environment leaves unset, in one message. */
export function requireSettings(env: NodeJS.ProcessEnv, names: readonly string[]): void {
  const missing = names.filter((name) => !env[name]?.trim());
  if (missing.length > 0) throw new ConfigError(missing.map((name) => `${name}: required`));
}

/** One line per optional piece that is not configured, so operators see degraded modes once at start. */
export function describeDegradedModes(config: Config): string[] {
  const notes: string[] = [];
  if (!config.ses.configurationSet) {
    notes.push('SES_CONFIGURATION_SET is not set: sends go out without a configuration set, so SES publishes no delivery events for them');
  }
  if (config.snsTopicArns.length === 0) {
    notes.push('SNS_TOPIC_ARNS is not set: /api/webhooks/ses refuses every SNS message, so no delivery, bounce or complaint is tracked');
  }
  if (!config.bus) notes.push('BUS_API_URL or BUS_INTEGRATION_KEY is not set: email sending works, but no events are emitted to the Bus');
  if (!config.booksUrl) notes.push('HUB_BILLING_API_URL is not set: email sending works, but daily usage is not reported to Books');
  for (const [name, url] of [
    ['PSA_API_URL', config.inbound.psaUrl],
    ['CRM_API_URL', config.inbound.crmUrl],
    ['PORTAL_API_URL', config.inbound.portalUrl],
  ] as const) {
    if (!url || !config.integrationKey) notes.push(`${name} or INTEGRATION_KEY is not set: inbound mail for it goes to the inbound archive`);
  }
  const { mailgunSigningKey, sendgridPublicKey, postmarkToken, cloudmailin, sesTopicArns } = config.inbound;
  if (!mailgunSigningKey && !sendgridPublicKey && !postmarkToken && !cloudmailin && sesTopicArns.length === 0) {
    notes.push('no inbound email provider is configured: /api/webhooks/inbound-email refuses every request');
  }
  if (!config.encryptionKey) notes.push('RELAY_ENCRYPTION_KEY is not set: webhooks (all of them sign) and partners cannot be created');
  if (!config.hub) notes.push('HUB_API_URL or PORTAL_SSO_SECRET is not set: nobody can sign in through Hub (dashboard, OAuth consent)');
  if (config.webhooks.allowInsecure) notes.push('RELAY_ALLOW_INSECURE_WEBHOOKS is on: webhooks may use http and loopback addresses (never in production)');
  if (!config.adminKey) notes.push('RELAY_ADMIN_KEY is not set: /api/admin/* answers 401');
  if (!config.commerce.shopifyApp) notes.push('SHOPIFY_API_KEY or SHOPIFY_API_SECRET is not set: no Shopify shop can connect');
  if (!config.commerce.stripeConnectApp) notes.push('STRIPE_CONNECT_CLIENT_ID or STRIPE_SECRET_KEY is not set: no Stripe Connect account can connect');
  if (!config.metricsToken) notes.push("METRICS_TOKEN is not set: the API serves no /metrics (the worker's WORKER_HTTP_PORT listener does)");
  return notes;
}

function deepFreeze<T extends object>(value: T): T {
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    if (child && typeof child === 'object') deepFreeze(child);
  }
  return Object.freeze(value);
}
