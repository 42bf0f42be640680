import { randomUUID } from 'node:crypto';
import type { ChannelMessageDraft } from './parse.js';
import type { DbOrTrx } from '../db/database.js';
import type { Channel, ChannelType } from '../db/tables/channels.js';

export async function findChannel(db: DbOrTrx, type: ChannelType, address: string): Promise<Channel | undefined> {
  return db.selectFrom('channels').selectAll().where('type', '=', type).where('address', '=', address).executeTakeFirst();
}

export async function listChannelsOfType(db: DbOrTrx, type: ChannelType): Promise<Channel[]> {
  return db.selectFrom('channels').selectAll().where('type', '=', type).execute();
}

/** Stores each message once per provider id; returns the ids of the new ones (a retried webhook stores nothing). */
export async function storeChannelMessages(db: DbOrTrx, channel: Channel, drafts: ChannelMessageDraft[]): Promise<string[]> {
  if (drafts.length === 0) return [];
  const rows = await db
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
    .onConflict((oc) => oc.columns(['type', 'external_id']).doNothing())
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}
