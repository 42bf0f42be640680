import type { ColumnType, Generated } from 'kysely';

export const COMMERCE_ACCOUNT_PROVIDERS = ['shopify', 'stripe_connect', 'amazon'] as const;
export type CommerceAccountProvider = (typeof COMMERCE_ACCOUNT_PROVIDERS)[number];

type Json<T = Record<string, unknown>> = ColumnType<T, string, string>;

/** A store or account an organization claims: pending until proven (OAuth, or an operator for Amazon). */
export interface CommerceAccountsTable {
  id: string;
  org_id: string;
  provider: CommerceAccountProvider;
  account: string;
  secret_sealed: Buffer | null;
  expected_topics: Generated<string[]>;
  status: Generated<'pending' | 'active'>;
  verified_by: 'oauth' | 'operator' | 'grandfathered' | null;
  verified_at: Date | null;
  access_token_sealed: Buffer | null;
  registered_topics: Generated<string[]>;
  created_at: Generated<Date>;
}

export interface CommerceOauthStatesTable {
  state_hash: Buffer;
  org_id: string;
  provider: 'shopify' | 'stripe_connect';
  shop: string | null;
  expires_at: Date;
}

export interface CommerceEventsTable {
  id: string;
  org_id: string | null;
  provider: string;
  event_id: string;
  topic: string;
  account: string | null;
  payload: Json;
  /** SHA-256 of the signed body, for providers whose event id is not signed (Shopify). */
  body_sha256: ColumnType<Buffer | null, Buffer | null | undefined, Buffer | null>;
  received_at: Generated<Date>;
  processed_at: Date | null;
  /** When retention emptied its raw payload; null while it is kept. */
  content_purged_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface OrdersTable {
  id: string;
  org_id: string;
  provider: string;
  account: string;
  external_id: string;
  customer_id: string | null;
  kind: Generated<'order' | 'return'>;
  status: string | null;
  total: string | null;
  currency: string | null;
  payload: Json;
  updated_at: Generated<Date>;
}

export interface SubscriptionsTable {
  org_id: string;
  stripe_customer_id: string | null;
  stripe_subscription_id: string | null;
  plan: string | null;
  status: string | null;
  current_period_end: Date | null;
  last_payment_status: string | null;
  last_payment_at: Date | null;
  last_event_created: ColumnType<string, number | string, number | string>;
  updated_at: Generated<Date>;
}

export interface GdprRequestsTable {
  id: string;
  org_id: string;
  shop: string;
  topic: 'customers/data_request' | 'customers/redact' | 'shop/redact';
  subject: Json;
  export: Json<Record<string, unknown> | null> | null;
  status: Generated<'received' | 'completed'>;
  received_at: Generated<Date>;
  completed_at: Date | null;
}
