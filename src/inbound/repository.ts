import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { InboundMessage, ParsedAttachment } from './message.js';
import { type Db, type DbOrTrx, isUniqueViolation } from '../db/database.js';
import type { AddressProof, InboundAddressesTable, InboundClassification, InboundMessageRow, InboundProvider, InboundStatus } from '../db/tables/inbound.js';
import type { DataSubject } from '../db/data-subject.js';
import { isUuid } from '../db/uuid.js';

export type StoreOutcome = { stored: 'new' | 'duplicate'; id: string } | { stored: 'token-reused' };

/**
 * Stores a verified inbound request once per provider message id and content hash (a
 * forged copy with another message's Message-ID is another message). A one-time token
 * (Mailgun's) may carry that one message only: the same token with another message, or
 * the same Message-ID with other content, is refused. Call inside a transaction.
 */
export async function storeInbound(
  trx: DbOrTrx,
  request: {
    provider: InboundProvider;
    providerMessageId: string;
    contentHash?: Buffer | undefined;
    contentType: string;
    raw: Buffer;
    nonce?: { value: string; expiresAt: Date } | undefined;
  },
): Promise<StoreOutcome> {
  const contentHash = request.contentHash ?? Buffer.alloc(0);
  const messageKey = `${request.providerMessageId} ${contentHash.toString('hex')}`;
  if (request.nonce) {
    await trx
      .deleteFrom('webhook_nonces')
      .where('provider', '=', request.provider)
      .where('expires_at', '<', sql<Date>`now()`)
      .execute();
    const claimed = await trx
      .insertInto('webhook_nonces')
      .values({ provider: request.provider, nonce: request.nonce.value, message_id: messageKey, expires_at: request.nonce.expiresAt })
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
      if (earlier?.message_id !== messageKey) return { stored: 'token-reused' };
    }
  }
  const inserted = await trx
    .insertInto('inbound_messages')
    .values({
      id: randomUUID(),
      org_id: null,
      provider: request.provider,
      provider_message_id: request.providerMessageId,
      content_hash: contentHash,
      classification: null,
      route: null,
      archive_reason: null,
      content_type: request.contentType,
      raw: request.raw,
      parsed: null,
    })
    .onConflict((oc) => oc.columns(['provider', 'provider_message_id', 'content_hash']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { stored: 'new', id: inserted.id };
  const existing = await trx
    .selectFrom('inbound_messages')
    .select('id')
    .where('provider', '=', request.provider)
    .where('provider_message_id', '=', request.providerMessageId)
    .where('content_hash', '=', contentHash)
    .executeTakeFirstOrThrow();
  return { stored: 'duplicate', id: existing.id };
}

/** By id alone: for the workflow's activities and operators' CLI, never for tenant API reads. */
export async function getInbound(db: DbOrTrx, id: string): Promise<InboundMessageRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('inbound_messages').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Whether the message belongs to the organization: routed to it first, or delivered to it among others. */
function deliveredTo(orgId: string) {
  return sql<boolean>`(inbound_messages.org_id = ${orgId} or exists (select 1 from inbound_deliveries d where d.inbound_id = inbound_messages.id and d.org_id = ${orgId}))`;
}

export async function findInboundForOrg(db: DbOrTrx, orgId: string, id: string): Promise<InboundMessageRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('inbound_messages').selectAll().where(deliveredTo(orgId)).where('id', '=', id).executeTakeFirst();
}

/**
 * Claims the delivery of a message to an organization: true for this inbound row (again,
 * on a retry), false when another request already brought the same message (provider,
 * id, parsed message) to it — say a provider posting once per recipient.
 */
export async function claimInboundDelivery(
  db: DbOrTrx,
  delivery: { inboundId: string; orgId: string; provider: InboundProvider; providerMessageId: string; messageHash: Buffer },
): Promise<{ claimed: true } | { claimed: false; deliveredWith: string }> {
  await db
    .insertInto('inbound_deliveries')
    .values({
      inbound_id: delivery.inboundId,
      org_id: delivery.orgId,
      provider: delivery.provider,
      provider_message_id: delivery.providerMessageId,
      message_hash: delivery.messageHash,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
  const owner = await db
    .selectFrom('inbound_deliveries')
    .select('inbound_id')
    .where('org_id', '=', delivery.orgId)
    .where('provider', '=', delivery.provider)
    .where('provider_message_id', '=', delivery.providerMessageId)
    .where('message_hash', '=', delivery.messageHash)
    .executeTakeFirstOrThrow();
  return owner.inbound_id === delivery.inboundId ? { claimed: true } : { claimed: false, deliveredWith: owner.inbound_id };
}

export interface InboundListFilter {
  status?: InboundStatus;
  classification?: InboundClassification;
  provider?: InboundProvider;
  reason?: string;
  limit: number;
  /** Exclusive keyset position (received_at, id): messages strictly older than this one. */
  after?: { at: Date; id: string };
}

/** Newest first; `orgId` null lists across organizations (operators only). */
export async function listInbound(db: DbOrTrx, orgId: string | null, filter: InboundListFilter) {
  let query = db
    .selectFrom('inbound_messages')
    .select(['id', 'org_id', 'provider', 'provider_message_id', 'status', 'classification', 'route', 'archive_reason', 'received_at', 'updated_at', 'parsed']);
  if (orgId !== null) query = query.where(deliveredTo(orgId));
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.classification) query = query.where('classification', '=', filter.classification);
  if (filter.provider) query = query.where('provider', '=', filter.provider);
  if (filter.reason) query = query.where('archive_reason', '=', filter.reason);
  if (filter.after) query = query.where(sql<boolean>`(received_at, id) < (${filter.after.at}, ${filter.after.id}::uuid)`);
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

export type AddressClaim = Selectable<InboundAddressesTable>;

/** The organization's support addresses in address order; `after` is the last address of the previous page. */
export async function listInboundAddresses(db: DbOrTrx, orgId: string, page?: { limit: number; after?: string }): Promise<AddressClaim[]> {
  let query = db.selectFrom('inbound_addresses').selectAll().where('org_id', '=', orgId);
  if (page?.after) query = query.where('address', '>', page.after);
  if (page) query = query.limit(page.limit);
  return query.orderBy('address').execute();
}

/** How many of the organization's messages are archived, by archive reason. */
export async function countArchivedInbound(db: DbOrTrx, orgId: string): Promise<{ reason: string; count: number }[]> {
  const rows = await db
    .selectFrom('inbound_messages')
    .select([sql<string>`coalesce(archive_reason, 'unknown')`.as('reason'), sql<string>`count(*)`.as('count')])
    .where('org_id', '=', orgId)
    .where('status', '=', 'archived')
    .groupBy(sql`1`)
    .orderBy(sql`2`, 'desc')
    .execute();
  return rows.map((row) => ({ reason: row.reason, count: Number(row.count) }));
}

export async function findAddressClaim(db: DbOrTrx, orgId: string, address: string): Promise<AddressClaim | undefined> {
  return db.selectFrom('inbound_addresses').selectAll().where('org_id', '=', orgId).where('address', '=', address.toLowerCase()).executeTakeFirst();
}

export async function findAddressClaimById(db: DbOrTrx, id: string): Promise<AddressClaim | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('inbound_addresses').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Whether an organization other than `orgId` holds the address proven (pending claims hold nothing). */
export async function isAddressHeldElsewhere(db: DbOrTrx, orgId: string, address: string): Promise<boolean> {
  const row = await db
    .selectFrom('inbound_addresses')
    .select('org_id')
    .where('address', '=', address.toLowerCase())
    .where('status', '=', 'active')
    .where('org_id', '<>', orgId)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Records the organization's claim, proven already (`verifiedBy`: the other organizations'
 * pending claims end) or pending; the existing claim when it has one; 'taken' when another
 * organization proved the address meanwhile.
 */
export async function insertAddressClaim(
  db: Db,
  claim: { orgId: string; address: string; dnsToken: string | null; verifiedBy: AddressProof | null },
): Promise<{ claim: AddressClaim; created: boolean } | 'taken'> {
  let inserted: AddressClaim | undefined;
  try {
    inserted = await db.transaction().execute(async (trx) => {
      const row = await insertClaimRow(trx, claim);
      if (row && claim.verifiedBy) {
        await trx
          .deleteFrom('inbound_addresses')
          .where('address', '=', row.address)
          .where('org_id', '<>', claim.orgId)
          .where('status', '=', 'pending')
          .execute();
      }
      return row;
    });
  } catch (error) {
    if (isUniqueViolation(error)) return 'taken';
    throw error;
  }
  if (inserted) return { claim: inserted, created: true };
  return { claim: (await findAddressClaim(db, claim.orgId, claim.address))!, created: false };
}

async function insertClaimRow(db: DbOrTrx, claim: { orgId: string; address: string; dnsToken: string | null; verifiedBy: AddressProof | null }) {
  return db
    .insertInto('inbound_addresses')
    .values({
      address: claim.address.toLowerCase(),
      org_id: claim.orgId,
      status: claim.verifiedBy ? 'active' : 'pending',
      confirmation_hash: null,
      dns_token: claim.dnsToken,
      verified_by: claim.verifiedBy,
      verified_at: claim.verifiedBy ? sql<Date>`now()` : null,
    })
    .onConflict((oc) => oc.columns(['org_id', 'address']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** The hash of the code just mailed to the address: only the newest mail's code confirms. */
export async function setConfirmationHash(db: DbOrTrx, id: string, hash: Buffer): Promise<void> {
  await db.updateTable('inbound_addresses').set({ confirmation_hash: hash }).where('id', '=', id).where('status', '=', 'pending').execute();
}

/** Pending claims on these addresses that wait for a mailed code. */
export async function findPendingClaims(db: DbOrTrx, addresses: string[]): Promise<AddressClaim[]> {
  if (addresses.length === 0) return [];
  return db
    .selectFrom('inbound_addresses')
    .selectAll()
    .where('status', '=', 'pending')
    .where('confirmation_hash', 'is not', null)
    .where(
      'address',
      'in',
      addresses.map((address) => address.toLowerCase()),
    )
    .execute();
}

/**
 * Makes a pending claim the address's owner, and drops the other organizations' pending
 * claims on it (they can never be proven now). False when it is no longer pending, or
 * another organization proved the address first.
 */
export async function activateAddressClaim(db: Db, id: string, proof: AddressProof): Promise<boolean> {
  try {
    return await db.transaction().execute(async (trx) => {
      const activated = await trx
        .updateTable('inbound_addresses')
        .set({ status: 'active', verified_by: proof, verified_at: sql<Date>`now()`, confirmation_hash: null })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .returning(['address', 'org_id'])
        .executeTakeFirst();
      if (!activated) return false;
      await trx
        .deleteFrom('inbound_addresses')
        .where('address', '=', activated.address)
        .where('org_id', '<>', activated.org_id)
        .where('status', '=', 'pending')
        .execute();
      return true;
    });
  } catch (error) {
    // The unique index on proven addresses: another organization was faster.
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

/** A pending claim that was never proven ends. */
export async function deletePendingClaim(db: DbOrTrx, id: string): Promise<boolean> {
  const result = await db.deleteFrom('inbound_addresses').where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
  return result.numDeletedRows > 0n;
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
    // Only proven addresses route mail.
    .where('status', '=', 'active')
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

/** Messages stored before `before` whose workflow never took them (still `received`), oldest first: for the sweep. */
export async function listReceivedInboundOlderThan(db: DbOrTrx, before: Date, limit: number): Promise<{ id: string }[]> {
  return db
    .selectFrom('inbound_messages')
    .select('id')
    .where('status', '=', 'received')
    .where('received_at', '<', before)
    .orderBy('received_at')
    .limit(limit)
    .execute();
}

// Privacy requests (commerce/gdpr.ts orchestrates; docs/security.md).

/** The organization's inbound messages from the subject: threaded into its tickets, or sent from its addresses. */
function subjectInbound(db: DbOrTrx, subject: DataSubject) {
  const { orgId, inboundIds, emails } = subject;
  return db
    .selectFrom('inbound_messages')
    .where(deliveredTo(orgId))
    .where((eb) =>
      eb.or([
        ...(inboundIds.length ? [eb('id', 'in', inboundIds)] : []),
        ...(emails.length ? [eb(sql<string>`lower(parsed->'from'->>'address')`, 'in', emails)] : []),
        eb.val(false),
      ]),
    );
}

/** The subject's inbound mail as parsed, with its attachments (base64). */
export async function exportInboundData(db: DbOrTrx, subject: DataSubject) {
  const rows = await subjectInbound(db, subject).select(['id', 'parsed', 'received_at']).orderBy('received_at').execute();
  const attachments = rows.length
    ? await db
        .selectFrom('inbound_attachments')
        .select(['inbound_id', 'filename', 'content_type', 'size', 'content'])
        .where(
          'inbound_id',
          'in',
          rows.map((row) => row.id),
        )
        .execute()
    : [];
  return {
    inbound_emails: rows.map((row) => ({
      id: row.id,
      received_at: row.received_at,
      message: row.parsed,
      attachments: attachments
        .filter((file) => file.inbound_id === row.id)
        .map((file) => ({ filename: file.filename, content_type: file.content_type, size: file.size, content: file.content.toString('base64') })),
    })),
  };
}

/** Erases the subject's inbound mail: the raw request, the parsed message, the attachments and what products answered about it. */
export async function redactInboundData(db: DbOrTrx, subject: DataSubject): Promise<void> {
  const ids = (await subjectInbound(db, subject).select('id').execute()).map((row) => row.id);
  if (ids.length === 0) return;
  await db.deleteFrom('inbound_attachments').where('inbound_id', 'in', ids).execute();
  await db.updateTable('inbound_routing_attempts').set({ detail: '{}' }).where('inbound_id', 'in', ids).execute();
  await db
    .updateTable('inbound_messages')
    .set({ raw: Buffer.alloc(0), parsed: null, updated_at: sql`now()` })
    .where('id', 'in', ids)
    .execute();
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
