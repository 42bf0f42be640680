import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { InboundMessage, ParsedAttachment } from './message.js';
import type { DbOrTrx } from '../db/database.js';
import type { InboundClassification, InboundMessageRow, InboundProvider, InboundStatus } from '../db/tables/inbound.js';
import { isUuid } from '../db/uuid.js';

export type StoreOutcome = { stored: 'new' | 'duplicate'; id: string } | { stored: 'token-reused' };

/**
 * Stores a verified inbound request once per provider message id. A one-time token
 * (Mailgun's) may carry that one message only: the same token with another message is
 * refused. Call inside a transaction.
 */
export async function storeInbound(
  trx: DbOrTrx,
  request: { provider: InboundProvider; providerMessageId: string; contentType: string; raw: Buffer; nonce?: { value: string; expiresAt: Date } },
): Promise<StoreOutcome> {
  if (request.nonce) {
    await trx
      .deleteFrom('webhook_nonces')
      .where('provider', '=', request.provider)
      .where('expires_at', '<', sql<Date>`now()`)
      .execute();
    const claimed = await trx
      .insertInto('webhook_nonces')
      .values({ provider: request.provider, nonce: request.nonce.value, message_id: request.providerMessageId, expires_at: request.nonce.expiresAt })
      .onConflict((oc) => oc.columns(['provider', 'nonce']).doNothing())
      .returning('nonce')
      .executeTakeFirst();
    if (!claimed) {
      const earlier = await trx
        .selectFrom('webhook_nonces')
        .select('message_id')
        .where('provider', '=', request.provider)
        .where('nonce', '=', request.nonce.value)
        .executeTakeFirst();
      if (earlier?.message_id !== request.providerMessageId) return { stored: 'token-reused' };
    }
  }
  const inserted = await trx
    .insertInto('inbound_messages')
    .values({
      id: randomUUID(),
      org_id: null,
      provider: request.provider,
      provider_message_id: request.providerMessageId,
      classification: null,
      route: null,
      archive_reason: null,
      content_type: request.contentType,
      raw: request.raw,
      parsed: null,
    })
    .onConflict((oc) => oc.columns(['provider', 'provider_message_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { stored: 'new', id: inserted.id };
  const existing = await trx
    .selectFrom('inbound_messages')
    .select('id')
    .where('provider', '=', request.provider)
    .where('provider_message_id', '=', request.providerMessageId)
    .executeTakeFirstOrThrow();
  return { stored: 'duplicate', id: existing.id };
}

/** By id alone: for the workflow's activities and operators' CLI, never for tenant API reads. */
export async function getInbound(db: DbOrTrx, id: string): Promise<InboundMessageRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('inbound_messages').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findInboundForOrg(db: DbOrTrx, orgId: string, id: string): Promise<InboundMessageRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('inbound_messages').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export interface InboundListFilter {
  status?: InboundStatus;
  classification?: InboundClassification;
  provider?: InboundProvider;
  reason?: string;
  limit: number;
  after?: { receivedAt: Date; id: string };
}

/** Newest first; `orgId` null lists across organizations (operators only). */
export async function listInbound(db: DbOrTrx, orgId: string | null, filter: InboundListFilter) {
  let query = db
    .selectFrom('inbound_messages')
    .select(['id', 'org_id', 'provider', 'provider_message_id', 'status', 'classification', 'route', 'archive_reason', 'received_at', 'updated_at', 'parsed']);
  if (orgId !== null) query = query.where('org_id', '=', orgId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.classification) query = query.where('classification', '=', filter.classification);
  if (filter.provider) query = query.where('provider', '=', filter.provider);
  if (filter.reason) query = query.where('archive_reason', '=', filter.reason);
  if (filter.after) query = query.where(sql<boolean>`(received_at, id) < (${filter.after.receivedAt}, ${filter.after.id}::uuid)`);
  return query.orderBy('received_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

export async function saveParsedInbound(db: DbOrTrx, id: string, message: InboundMessage, attachments: ParsedAttachment[]): Promise<void> {
  await db.deleteFrom('inbound_attachments').where('inbound_id', '=', id).execute();
  for (const attachment of attachments) {
    await db
      .insertInto('inbound_attachments')
      .values({
        id: randomUUID(),
        inbound_id: id,
        filename: attachment.filename,
        content_type: attachment.contentType,
        size: attachment.content.length,
        content: attachment.content,
      })
      .execute();
  }
  await db
    .updateTable('inbound_messages')
    .set({ parsed: JSON.stringify(message), updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

export async function updateInbound(
  db: DbOrTrx,
  id: string,
  change: { status?: InboundStatus; classification?: InboundClassification; route?: string | null; archiveReason?: string | null; orgId?: string | null },
): Promise<void> {
  await db
    .updateTable('inbound_messages')
    .set({
      ...(change.status ? { status: change.status } : {}),
      ...(change.classification ? { classification: change.classification } : {}),
      ...(change.route !== undefined ? { route: change.route } : {}),
      ...(change.archiveReason !== undefined ? { archive_reason: change.archiveReason } : {}),
      ...(change.orgId !== undefined ? { org_id: change.orgId } : {}),
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .execute();
}

export async function addRoutingAttempt(
  db: DbOrTrx,
  attempt: { inboundId: string; target: string; outcome: 'delivered' | 'failed' | 'archived' | 'replayed'; detail?: Record<string, unknown> },
): Promise<void> {
  await db
    .insertInto('inbound_routing_attempts')
    .values({ inbound_id: attempt.inboundId, target: attempt.target, outcome: attempt.outcome, detail: JSON.stringify(attempt.detail ?? {}) })
    .execute();
}

export async function listRoutingAttempts(db: DbOrTrx, inboundId: string) {
  return db.selectFrom('inbound_routing_attempts').selectAll().where('inbound_id', '=', inboundId).orderBy('attempted_at').orderBy('id').execute();
}

export async function listInboundAttachments(db: DbOrTrx, inboundId: string) {
  return db.selectFrom('inbound_attachments').select(['id', 'filename', 'content_type', 'size']).where('inbound_id', '=', inboundId).execute();
}

export async function listInboundAddresses(db: DbOrTrx, orgId: string) {
  return db.selectFrom('inbound_addresses').select(['address', 'created_at']).where('org_id', '=', orgId).orderBy('address').execute();
}

/** Claims a support address for the organization; false when another organization has it. */
export async function claimInboundAddress(db: DbOrTrx, orgId: string, address: string): Promise<boolean> {
  const inserted = await db
    .insertInto('inbound_addresses')
    .values({ address: address.toLowerCase(), org_id: orgId })
    .onConflict((oc) => oc.column('address').doNothing())
    .returning('org_id')
    .executeTakeFirst();
  const owner = inserted ?? (await db.selectFrom('inbound_addresses').select('org_id').where('address', '=', address.toLowerCase()).executeTakeFirst());
  return owner?.org_id === orgId;
}

/** False when the organization has no such address. */
export async function deleteInboundAddress(db: DbOrTrx, orgId: string, address: string): Promise<boolean> {
  const result = await db.deleteFrom('inbound_addresses').where('org_id', '=', orgId).where('address', '=', address.toLowerCase()).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** The organization whose support address this is. */
export async function findSupportAddressOwner(db: DbOrTrx, addresses: string[]): Promise<Map<string, string>> {
  if (addresses.length === 0) return new Map();
  const rows = await db
    .selectFrom('inbound_addresses')
    .select(['address', 'org_id'])
    .where(
      'address',
      'in',
      addresses.map((a) => a.toLowerCase()),
    )
    .execute();
  return new Map(rows.map((row) => [row.address, row.org_id]));
}

/** The attachments with their bytes, for handing the message on to a product. */
export async function listInboundAttachmentContents(db: DbOrTrx, inboundId: string) {
  return db.selectFrom('inbound_attachments').select(['filename', 'content_type', 'size', 'content']).where('inbound_id', '=', inboundId).execute();
}

/** The addresses an inbound message was sent to (envelope, To and Cc), lower-cased; empty for one not parsed. */
export async function findInboundRecipients(db: DbOrTrx, orgId: string, id: string): Promise<string[]> {
  if (!isUuid(id)) return [];
  const row = await db.selectFrom('inbound_messages').select('parsed').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  const parsed = row?.parsed;
  if (!parsed) return [];
  return [...new Set([...(parsed.envelopeTo ?? []), ...parsed.to, ...parsed.cc].map((address) => address.toLowerCase()))];
}

/** The attachments (no contents) of several inbound messages of one organization. */
export async function listAttachmentsOfInbound(db: DbOrTrx, orgId: string, inboundIds: string[]) {
  if (inboundIds.length === 0) return [];
  return db
    .selectFrom('inbound_attachments')
    .innerJoin('inbound_messages', 'inbound_messages.id', 'inbound_attachments.inbound_id')
    .select([
      'inbound_attachments.id',
      'inbound_attachments.inbound_id',
      'inbound_attachments.filename',
      'inbound_attachments.content_type',
      'inbound_attachments.size',
    ])
    .where('inbound_messages.org_id', '=', orgId)
    .where('inbound_attachments.inbound_id', 'in', inboundIds)
    .orderBy('inbound_attachments.filename')
    .execute();
}

/** One attachment with its content, if it belongs to a message of the organization. */
export async function findAttachmentOfOrg(db: DbOrTrx, orgId: string, id: string) {
  if (!isUuid(id)) return undefined;
  return db
    .selectFrom('inbound_attachments')
    .innerJoin('inbound_messages', 'inbound_messages.id', 'inbound_attachments.inbound_id')
    .select(['inbound_attachments.filename', 'inbound_attachments.content_type', 'inbound_attachments.content'])
    .where('inbound_messages.org_id', '=', orgId)
    .where('inbound_attachments.id', '=', id)
    .executeTakeFirst();
}
