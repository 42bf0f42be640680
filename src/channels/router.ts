import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { scopedProcedure, t } from '../auth/trpc.js';
import type { Db } from '../db/database.js';
import type { Channel } from '../db/tables/channels.js';
import { keysetPage, keysetPageInput } from '../http/pagination.js';
import { EncryptionUnavailable, type SecretBox } from '../security/encryption.js';
import { channelRequest, ChannelRequestInvalid, ChannelTaken, connectOrgChannel } from './connect.js';
import { deleteChannel, listOrgChannelsPage } from './repository.js';

// Everyone sees which channels are connected (never a secret); connecting and removing them is for Admins and Owners.
const read = scopedProcedure('admin', 'Viewer');
const manage = scopedProcedure('admin', 'Admin');

function view(channel: Channel) {
  return {
    id: channel.id,
    type: channel.type,
    address: channel.address,
    hasVerifyToken: channel.verify_token_sealed !== null,
    autoReply: channel.auto_reply,
    createdAt: channel.created_at.toISOString(),
  };
}

export function createChannelsRouter(deps: { db: Db; secretBox: SecretBox }) {
  const { db } = deps;
  return t.router({
    list: read.input(z.strictObject(keysetPageInput())).query(async ({ ctx, input }) => {
      const rows = await listOrgChannelsPage(db, ctx.orgId, { limit: input.limit + 1, after: input.cursor ?? undefined });
      return keysetPage(rows, input.limit, (channel) => ({ at: channel.created_at, id: channel.id }), view);
    }),

    /** Connects a channel; its secret and verify token are sealed and never shown again. */
    add: manage.input(channelRequest).mutation(async ({ ctx, input }) => {
      try {
        return view(await connectOrgChannel(db, deps.secretBox, ctx.orgId, input));
      } catch (error) {
        if (error instanceof ChannelRequestInvalid) throw new TRPCError({ code: 'BAD_REQUEST', message: error.message });
        if (error instanceof ChannelTaken) throw new TRPCError({ code: 'CONFLICT', message: error.message });
        if (error instanceof EncryptionUnavailable)
          throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'channels need RELAY_ENCRYPTION_KEY on the server' });
        throw error;
      }
    }),

    remove: manage.input(z.strictObject({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
      if (!(await deleteChannel(db, ctx.orgId, input.id))) throw new TRPCError({ code: 'NOT_FOUND', message: 'no such channel' });
      return { id: input.id, removed: true };
    }),
  });
}
