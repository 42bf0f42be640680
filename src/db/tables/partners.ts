import type { ColumnType, Generated, Selectable } from 'kysely';

export interface PartnersTable {
  id: string;
  name: string;
  logo_url: string | null;
  client_id: string;
  client_secret_hash: Buffer;
  signing_secret_sealed: Buffer;
  redirect_uris: string[];
  webhook_url: string;
  error_url: string | null;
  rate_limit_per_user: Generated<number>;
  rate_limit_per_partner: Generated<number>;
  /** Access tokens issued from now on expire after this long; null: they do not expire (the partner document's default). */
  access_token_ttl_seconds: Generated<number | null>;
  suspended_at: Date | null;
  suspended_reason: string | null;
  suspension_lifted_at: Date | null;
  created_at: Generated<Date>;
}
export type Partner = Selectable<PartnersTable>;

export interface PartnerTokensTable {
  id: string;
  token_hash: Buffer;
  partner_id: string;
  user_id: string;
  scope: string;
  created_at: Generated<Date>;
  revoked_at: Date | null;
  expires_at: Date | null;
  refresh_token_hash: Buffer | null;
  refreshed_at: Date | null;
}

export interface OauthCodesTable {
  code_hash: Buffer;
  partner_id: string;
  user_id: string;
  redirect_uri: string;
  scope: string;
  code_challenge: string | null;
  expires_at: Date;
  used_at: Date | null;
  token_id: string | null;
}

export interface CrmConnectionsTable {
  id: string;
  partner_id: string;
  user_id: string;
  token_id: string;
  active: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface RateLimitCountersTable {
  key: string;
  window_start: Date;
  count: number;
}

export interface PartnerAuditTable {
  id: Generated<string>;
  partner_id: string;
  user_id: string | null;
  method: string;
  endpoint: string;
  ip: string | null;
  status: number;
  at: Generated<Date>;
}

export const DEBRIEF_ACTIONS = ['create_note', 'update_opportunity', 'create_activity'] as const;
export type DebriefAction = (typeof DEBRIEF_ACTIONS)[number];

export interface PartnerDeliveriesTable {
  idempotency_key: string;
  partner_id: string;
  connection_id: string;
  user_id: string;
  org_id: string;
  action: DebriefAction;
  payload: ColumnType<Record<string, unknown>, string, never>;
  status: Generated<'pending' | 'succeeded' | 'failed'>;
  partner_record_id: string | null;
  error_event: 'sent' | 'failed' | 'none' | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface PartnerDeliveryAttemptsTable {
  id: Generated<string>;
  idempotency_key: string;
  kind: 'delivery' | 'error_event';
  attempt: number;
  at: Generated<Date>;
  http_status: number | null;
  duration_ms: number;
  error: string | null;
}
