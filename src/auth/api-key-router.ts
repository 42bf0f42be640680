import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import type { ApiKey } from '../db/tables/api-keys.js';
import { keysetPage, keysetPageInput } from '../http/pagination.js';
import { apiKeyId, apiKeyName, apiKeyScopes, describeCreator, isApiKeyId, revokeKey, rotateKey } from './api-key-management.js';
import type { ApiKeyLookup } from './api-keys.js';
import { createApiKey, findSessionProfile, listApiKeys } from './repository.js';
import { scopedProcedure, t, type Caller } from './trpc.js';

// Everyone in the organization sees which keys exist (never a secret); managing them is for Admins and Owners.
const read = scopedProcedure('admin', 'Viewer');
const manage = scopedProcedure('admin', 'Admin');

function view(key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    scopes: key.scopes,
    createdBy: key.created_by,
    createdAt: key.created_at.toISOString(),
    lastUsedAt: key.last_used_at?.toISOString() ?? null,
    revokedAt: key.revoked_at?.toISOString() ?? null,
    replacedBy: key.replaced_by,
  };
}

async function creator(db: Db, caller: Caller): Promise<string> {
  if (caller.kind === 'api-key') return describeCreator({ kind: 'api-key', keyId: caller.keyId });
  const profile = await findSessionProfile(db, caller.orgId, caller.userId);
  return describeCreator({ kind: 'user', name: profile?.name ?? null, email: profile?.email ?? null });
}

const notFound = () => new TRPCError({ code: 'NOT_FOUND', message: 'no such active API key' });

export function createApiKeysRouter(deps: { db: Db; apiKeys: ApiKeyLookup }) {
  const { db, apiKeys } = deps;
  return t.router({
    list: read.input(z.strictObject(keysetPageInput(isApiKeyId))).query(async ({ ctx, input }) => {
      const rows = await listApiKeys(db, ctx.orgId, { limit: input.limit + 1, after: input.cursor ?? undefined });
      return keysetPage(rows, input.limit, (key) => ({ at: key.created_at, id: key.id }), view);
    }),

    /** The whole key is in this answer and nowhere else, ever. */
    create: manage.input(z.strictObject({ scopes: apiKeyScopes, name: apiKeyName.optional() })).mutation(async ({ ctx, input }) => {
      const { key, record } = await createApiKey(db, { orgId: ctx.orgId, ...input, createdBy: await creator(db, ctx.caller) });
      return { ...view(record), key };
    }),

    revoke: manage.input(z.strictObject({ id: apiKeyId })).mutation(async ({ ctx, input }) => {
      const revoked = await revokeKey(db, apiKeys, ctx.orgId, input.id);
      if (!revoked) throw notFound();
      return view(revoked);
    }),

    /** A new key with the same name and scopes, shown once; the old one is refused from now on. */
    rotate: manage.input(z.strictObject({ id: apiKeyId })).mutation(async ({ ctx, input }) => {
      const rotated = await rotateKey(db, apiKeys, ctx.orgId, input.id, await creator(db, ctx.caller));
      if (!rotated) throw notFound();
      return { ...view(rotated.record), key: rotated.key, replaces: rotated.replaced.id };
    }),
  });
}
