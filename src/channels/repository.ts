import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { THREADED_KINDS, type ChannelMessageDraft } from './parse.js';
import type { DbOrTrx } from '../db/database.js';
import type { Channel, ChannelType } from '../db/tables/channels.js';
import { isUuid } from '../db/uuid.js';

export async function findChannel(db: DbOrTrx, type: ChannelType, address: string): Promise<Channel | undefined> {
  return db.selectFrom('channels').selectAll().where('type', '=', type).where('address', '=', address).executeTakeFirst();
}

/** Channels of a type, newest first, at most `limit`: for requests that name no channel (Slack's url_verification). */
export async function listChannelsOfType(db: DbOrTrx, type: ChannelType, limit: number): Promise<Channel[]> {
  return db.selectFrom('channels').selectAll().where('type', '=', type).orderBy('created_at', 'desc').limit(limit).execute();
}

/** The channel whose verify token hashes to `tokenHash`. */
export async function findChannelByVerifyToken(db: DbOrTrx, type: ChannelType, tokenHash: Buffer): Promise<Channel | undefined> {
  return db.selectFrom('channels').selectAll().where('type', '=', type).where('verify_token_hash', '=', tokenHash).executeTakeFirst();
}

/** Channels connected before verify tokens were kept hashed: matched by opening their sealed token, then hashed. */
export async function listChannelsWithUnhashedVerifyToken(db: DbOrTrx, type: ChannelType, limit: number): Promise<Channel[]> {
  return db
    .selectFrom('channels')
    .selectAll()
    .where('type', '=', type)
    .where('verify_token_hash', 'is', null)
    .where('verify_token_sealed', 'is not', null)
    .limit(limit)
    .execute();
}

export async function setVerifyTokenHash(db: DbOrTrx, channelId: string, tokenHash: Buffer): Promise<void> {
  await db.updateTable('channels').set({ verify_token_hash: tokenHash }).where('id', '=', channelId).execute();
}

export async function listOrgChannels(db: DbOrTrx, orgId: string): Promise<Channel[]> {
  return db.selectFrom('channels').selectAll().where('org_id', '=', orgId).orderBy('created_at').execute();
}

/**
 * Connects a channel with its sealed secrets (sealed for `id`, which the caller chooses);
 * undefined when its address is already connected (by any organization).
 */
export async function connectChannel(
  db: DbOrTrx,
  orgId: string,
  channel: {
    id: string;
    type: ChannelType;
    address: string;
    secretSealed: Buffer;
    verifyTokenSealed: Buffer | null;
    verifyTokenHash: Buffer | null;
    autoReply: string | null;
    credentialsSealed: Buffer | null;
  },
): Promise<Channel | undefined> {
  return db
    .insertInto('channels')
    .values({
      id: channel.id,
      org_id: orgId,
      type: channel.type,
      address: channel.address,
      secret_sealed: channel.secretSealed,
      verify_token_sealed: channel.verifyTokenSealed,
      verify_token_hash: channel.verifyTokenHash,
      auto_reply: channel.autoReply,
      credentials_sealed: channel.credentialsSealed,
    })
    .onConflict((oc) => oc.columns(['type', 'address']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function findOrgChannel(db: DbOrTrx, orgId: string, id: string): Promise<Channel | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('channels').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/** The organization's channels of one type, oldest first. */
export async function listOrgChannelsOfType(db: DbOrTrx, orgId: string, type: ChannelType): Promise<Channel[]> {
  return db.selectFrom('channels').selectAll().where('org_id', '=', orgId).where('type', '=', type).orderBy('created_at').execute();
}

export async function setChannelCredentials(db: DbOrTrx, orgId: string, id: string, credentialsSealed: Buffer): Promise<Channel | undefined> {
  return db
    .updateTable('channels')
    .set({ credentials_sealed: credentialsSealed })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Whether the organization had this channel (and now has not). */
export async function deleteChannel(db: DbOrTrx, orgId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const result = await db.deleteFrom('channels').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Stores each message once per provider id; returns the ids of the new ones (a retried webhook stores nothing). */
/**
 * Stores each message once per channel and provider id, and answers every draft's stored id
 * (`stored: false` for one stored before): its workflow is started again on every delivery,
 * so a provider's retry after a failed start still gets it threaded.
 */
export async function storeChannelMessages(db: DbOrTrx, channel: Channel, drafts: ChannelMessageDraft[]): Promise<{ id: string; stored: boolean }[]> {
  if (drafts.length === 0) return [];
  const inserted = await db
    .insertInto('channel_messages')
    .values(
      drafts.map((draft) => ({
        id: randomUUID(),
        org_id: channel.org_id,
        channel_id: channel.id,
        type: channel.type,
        external_id: draft.externalId,
        kind: draft.kind,
        sender: draft.sender,
        sender_name: draft.senderName,
        thread_key: draft.threadKey,
        body: draft.body,
        payload: JSON.stringify(draft.payload),
        ticket_id: null,
      })),
    )
    .onConflict((oc) => oc.columns(['channel_id', 'external_id']).doNothing())
    .returning('id')
    .execute();
  const rows = await db
    .selectFrom('channel_messages')
    .select(['id', 'external_id'])
    .where('channel_id', '=', channel.id)
    .where(
      'external_id',
      'in',
      drafts.map((draft) => draft.externalId),
    )
    .execute();
  const idOf = new Map(rows.map((row) => [row.external_id, row.id]));
  const fresh = new Set(inserted.map((row) => row.id));
  // A batch may carry the same message twice: one entry each.
  const ids = [...new Set(drafts.map((draft) => idOf.get(draft.externalId)!))];
  return ids.map((id) => ({ id, stored: fresh.has(id) }));
}

/** Opens the call's record with its first event (a finished call has finished_at): the sweep finds calls whose workflow never ran. */
export async function openDialpadCall(db: DbOrTrx, call: { orgId: string; channelId: string; callId: string }): Promise<void> {
  await db
    .insertInto('dialpad_calls')
    .values({
      channel_id: call.channelId,
      call_id: call.callId,
      org_id: call.orgId,
      states: [],
      caller: null,
      voicemail_url: null,
      transcription: null,
      ticket_id: null,
    })
    .onConflict((oc) => oc.columns(['channel_id', 'call_id']).doNothing())
    .execute();
}

/** Messages stored before `before` and still not threaded (of the kinds that thread), oldest first: for the sweep. */
export async function listUnthreadedChannelMessages(db: DbOrTrx, before: Date, limit: number): Promise<{ id: string; org_id: string }[]> {
  return db
    .selectFrom('channel_messages')
    .select(['id', 'org_id'])
    .where('ticket_id', 'is', null)
    .where('kind', 'in', [...THREADED_KINDS])
    .where('received_at', '<', before)
    .orderBy('received_at')
    .limit(limit)
    .execute();
}

/** Calls whose first event came before `before` and that were never finished, oldest first: for the sweep. */
export async function listUnfinishedDialpadCalls(db: DbOrTrx, before: Date, limit: number): Promise<{ org_id: string; channel_id: string; call_id: string }[]> {
  return db
    .selectFrom('dialpad_calls')
    .select(['org_id', 'channel_id', 'call_id'])
    .where('finished_at', 'is', null)
    .where('updated_at', '<', before)
    .orderBy('updated_at')
    .limit(limit)
    .execute();
}

/** A call's stored state events, in the order they arrived: what its workflow is signalled again with. */
export async function listDialpadCallEvents(db: DbOrTrx, channelId: string, callId: string): Promise<Record<string, unknown>[]> {
  const rows = await db
    .selectFrom('channel_messages')
    .select('payload')
    .where('channel_id', '=', channelId)
    .where('thread_key', '=', `call:${callId}`)
    .where('kind', '=', 'call_event')
    .orderBy('received_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => row.payload);
}

/** Locks one stored channel message for threading; undefined when it does not exist. */
export async function lockChannelMessage(db: DbOrTrx, messageId: string) {
  return db.selectFrom('channel_messages').selectAll().where('id', '=', messageId).forUpdate().executeTakeFirst();
}

/** Messages of one conversation thread one at a time, so a batch of them shares one ticket. */
export async function lockConversationThread(db: DbOrTrx, orgId: string, type: string, threadKey: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`${orgId}:${type}:${threadKey}`}))`.execute(db);
}

export async function setChannelMessageTicket(db: DbOrTrx, orgId: string, messageId: string, ticketId: string): Promise<void> {
  await db.updateTable('channel_messages').set({ ticket_id: ticketId }).where('org_id', '=', orgId).where('id', '=', messageId).execute();
}

/** Records the finished call (its states, caller, recording, transcription); returns the ticket it already made, if any. */
export async function saveDialpadCall(
  db: DbOrTrx,
  call: {
    orgId: string;
    channelId: string;
    callId: string;
    states: string[];
    caller: string | null;
    voicemailUrl: string | null;
    transcription: string | null;
  },
): Promise<{ ticketId: string | null }> {
  const existing = await db
    .selectFrom('dialpad_calls')
    .select('ticket_id')
    .where('channel_id', '=', call.channelId)
    .where('call_id', '=', call.callId)
    .forUpdate()
    .executeTakeFirst();
  // The organization is the channel's and never changes.
  const record = {
    states: call.states,
    caller: call.caller,
    voicemail_url: call.voicemailUrl,
    transcription: call.transcription,
    finished_at: sql<Date>`now()`,
    updated_at: sql<Date>`now()`,
  };
  await db
    .insertInto('dialpad_calls')
    .values({ channel_id: call.channelId, call_id: call.callId, org_id: call.orgId, ticket_id: null, ...record })
    .onConflict((oc) => oc.columns(['channel_id', 'call_id']).doUpdateSet(record))
    .execute();
  return { ticketId: existing?.ticket_id ?? null };
}

export async function setDialpadCallTicket(db: DbOrTrx, channelId: string, callId: string, ticketId: string): Promise<void> {
  await db.updateTable('dialpad_calls').set({ ticket_id: ticketId }).where('channel_id', '=', channelId).where('call_id', '=', callId).execute();
}

/** The organization's channels, newest first; `after` is the last one of the previous page. */
export async function listOrgChannelsPage(db: DbOrTrx, orgId: string, page: { limit: number; after?: { at: Date; id: string } }): Promise<Channel[]> {
  let query = db.selectFrom('channels').selectAll().where('org_id', '=', orgId);
  if (page.after) query = query.where(sql<boolean>`(created_at, id) < (${page.after.at}, ${page.after.id}::uuid)`);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
}

/** The voicemail a ticket was made from: its recording link and transcription. */
export async function findVoicemailOfTicket(db: DbOrTrx, orgId: string, ticketId: string) {
  if (!isUuid(ticketId)) return undefined;
  return db
    .selectFrom('dialpad_calls')
    .select(['call_id', 'voicemail_url', 'transcription'])
    .where('org_id', '=', orgId)
    .where('ticket_id', '=', ticketId)
    .executeTakeFirst();
}

/** The channel identities (numbers, wa_ids, PSIDs, Slack users) a customer wrote from. */
export async function listIdentitiesOfCustomer(db: DbOrTrx, orgId: string, customerId: string) {
  return db
    .selectFrom('channel_identities')
    .select(['channel_type', 'identity'])
    .where('org_id', '=', orgId)
    .where('customer_id', '=', customerId)
    .orderBy('channel_type')
    .execute();
}
