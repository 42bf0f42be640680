import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { ApiKeysTable } from './tables/api-keys.js';
import type { EmailEventsTable } from './tables/email-events.js';
import type { BounceRateAlertsTable, EmailsTable, SesSendSchedulesTable } from './tables/emails.js';
import type { IdempotencyKeysTable } from './tables/idempotency-keys.js';
import type { ConversationMessagesTable, CustomersTable, SavedRepliesTable, TicketCountersTable, TicketRepliesTable, TicketsTable } from './tables/helpdesk.js';
import type {
  InboundAddressesTable,
  InboundAttachmentsTable,
  InboundDeliveriesTable,
  InboundMessagesTable,
  InboundRoutingAttemptsTable,
  WebhookNoncesTable,
} from './tables/inbound.js';
import type { WebhookDeliveriesTable, WebhookDeliveryAttemptsTable, WebhookEventsTable, WebhooksTable } from './tables/webhooks.js';
import type {
  CrmConnectionsTable,
  OauthCodesTable,
  PartnerAuditTable,
  PartnerDeliveriesTable,
  PartnerDeliveryAttemptsTable,
  PartnersTable,
  PartnerTokensTable,
  RateLimitCountersTable,
} from './tables/partners.js';
import type { SessionsTable, UsersTable } from './tables/accounts.js';
import type { ChannelIdentitiesTable, ChannelMessagesTable, ChannelsTable, DialpadCallsTable } from './tables/channels.js';
import type {
  CommerceAccountsTable,
  CommerceEventsTable,
  CommerceOauthStatesTable,
  GdprRequestsTable,
  OrdersTable,
  SubscriptionsTable,
} from './tables/commerce.js';
import type { SnsMessagesTable } from './tables/sns-messages.js';
import type { SuppressionsTable } from './tables/suppressions.js';
import type { UsageReportsTable } from './tables/usage.js';
import type { ApiRequestSchedulesTable, DailySendCountsTable, OrganizationsTable } from './tables/organizations.js';
import type { DomainsTable } from './tables/domains.js';

export interface Database {
  organizations: OrganizationsTable;
  api_keys: ApiKeysTable;
  emails: EmailsTable;
  email_events: EmailEventsTable;
  idempotency_keys: IdempotencyKeysTable;
  sns_messages: SnsMessagesTable;
  suppressions: SuppressionsTable;
  bounce_rate_alerts: BounceRateAlertsTable;
  usage_reports: UsageReportsTable;
  inbound_addresses: InboundAddressesTable;
  inbound_messages: InboundMessagesTable;
  inbound_attachments: InboundAttachmentsTable;
  inbound_deliveries: InboundDeliveriesTable;
  inbound_routing_attempts: InboundRoutingAttemptsTable;
  webhook_nonces: WebhookNoncesTable;
  customers: CustomersTable;
  ticket_counters: TicketCountersTable;
  tickets: TicketsTable;
  conversation_messages: ConversationMessagesTable;
  ticket_replies: TicketRepliesTable;
  saved_replies: SavedRepliesTable;
  webhooks: WebhooksTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
  users: UsersTable;
  sessions: SessionsTable;
  partners: PartnersTable;
  partner_tokens: PartnerTokensTable;
  oauth_codes: OauthCodesTable;
  crm_connections: CrmConnectionsTable;
  rate_limit_counters: RateLimitCountersTable;
  partner_audit: PartnerAuditTable;
  partner_deliveries: PartnerDeliveriesTable;
  partner_delivery_attempts: PartnerDeliveryAttemptsTable;
  channels: ChannelsTable;
  channel_messages: ChannelMessagesTable;
  channel_identities: ChannelIdentitiesTable;
  dialpad_calls: DialpadCallsTable;
  commerce_accounts: CommerceAccountsTable;
  commerce_events: CommerceEventsTable;
  orders: OrdersTable;
  subscriptions: SubscriptionsTable;
  gdpr_requests: GdprRequestsTable;
  domains: DomainsTable;
  daily_send_counts: DailySendCountsTable;
  api_request_schedules: ApiRequestSchedulesTable;
  ses_send_schedules: SesSendSchedulesTable;
  commerce_oauth_states: CommerceOauthStatesTable;
}

export type Db = Kysely<Database>;
/** Repositories take either the pool or a transaction. */
export type DbOrTrx = Kysely<Database> | Transaction<Database>;

export function createDb(connectionString: string, options: { maxConnections?: number; onIdleError?: (error: Error) => void } = {}): Db {
  const pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 10 });
  // A connection dropped by the server (a PostgreSQL restart) must not crash the process:
  // the pool replaces it, and queries in flight fail and are retried by their caller. The
  // pool hears about idle connections; one checked out at that moment reports on itself.
  pool.on('error', (error) => options.onIdleError?.(error));
  pool.on('connect', (client) => client.on('error', (error) => options.onIdleError?.(error)));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** PostgreSQL refused a row because a unique index already holds its key (SQLSTATE 23505). */
export const isUniqueViolation = (error: unknown): boolean => (error as { code?: string } | null)?.code === '23505';
