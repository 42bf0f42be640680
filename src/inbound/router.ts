import type { Client } from '@temporalio/client';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { scopedProcedure, t } from '../auth/trpc.js';
import type { Db } from '../db/database.js';
import { keysetPage, keysetPageInput } from '../http/pagination.js';
import { ReplayRefused } from '../temporal/replay.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { replayArchivedInbound } from './replay.js';
import {
  countArchivedInbound,
  deleteInboundAddress,
  findInboundForOrg,
  listInbound,
  listInboundAddresses,
  listInboundAttachments,
  listRoutingAttempts,
} from './repository.js';
import { inboundAddressRequest } from './schemas.js';
import { claimSupportAddress } from './address-claims.js';
import type { VerifySupportAddressInput } from '../temporal/inputs.js';

export interface InboundRouterDeps {
  db: Db;
  temporal: Client;
  workflows: WorkflowStarter;
  routeMaxAttempts: number;
  /** The support-address DNS checks' schedule (DOMAIN_CHECK_*). */
  addressChecks: VerifySupportAddressInput['checks'];
}

// Viewers read the archive; replaying a message is acting on email (Member). Support
// addresses decide where mail goes: managing them is for Admins and Owners.
const read = scopedProcedure('read', 'Viewer');
const act = scopedProcedure('send', 'Member');
const readAddresses = scopedProcedure('admin', 'Viewer');
const manageAddresses = scopedProcedure('admin', 'Admin');

const id = z.uuid();
const isAddress = (value: string) => value.length > 0 && value.length <= 320;

export function createInboundRouter(deps: InboundRouterDeps) {
  const { db } = deps;
  return t.router({
    /** Archived messages (what no product or helpdesk took), newest first, optionally of one archive reason. */
    archive: read
      .input(
        z.strictObject({
          reason: z.string().trim().min(1).max(100).optional(),
          ...keysetPageInput(),
        }),
      )
      .query(async ({ ctx, input }) => {
        const rows = await listInbound(db, ctx.orgId, { status: 'archived', reason: input.reason, limit: input.limit + 1, after: input.cursor ?? undefined });
        return keysetPage(
          rows,
          input.limit,
          (row) => ({ at: row.received_at, id: row.id }),
          (row) => ({
            id: row.id,
            provider: row.provider,
            classification: row.classification,
            reason: row.archive_reason,
            from: row.parsed?.from.address ?? null,
            fromName: row.parsed?.from.name ?? null,
            subject: row.parsed?.subject ?? null,
            receivedAt: row.received_at.toISOString(),
          }),
        );
      }),

    /** How many messages are archived, by reason: the archive's filter and the Overview's count. */
    archiveReasons: read.query(async ({ ctx }) => countArchivedInbound(db, ctx.orgId)),

    /** One inbound message as Relay parsed it, its attachments (metadata only) and every routing attempt. */
    get: read.input(z.strictObject({ id })).query(async ({ ctx, input }) => {
      const row = await findInboundForOrg(db, ctx.orgId, input.id);
      if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: 'no such inbound message' });
      const [attempts, attachments] = await Promise.all([listRoutingAttempts(db, row.id), listInboundAttachments(db, row.id)]);
      return {
        id: row.id,
        provider: row.provider,
        providerMessageId: row.provider_message_id,
        status: row.status,
        classification: row.classification,
        route: row.route,
        reason: row.archive_reason,
        receivedAt: row.received_at.toISOString(),
        message: row.parsed,
        attachments: attachments.map((file) => ({ id: file.id, filename: file.filename, contentType: file.content_type, size: file.size })),
        routingAttempts: attempts.map((attempt) => ({
          id: attempt.id,
          target: attempt.target,
          outcome: attempt.outcome,
          detail: attempt.detail,
          at: attempt.attempted_at.toISOString(),
        })),
      };
    }),

    /** Routes an archived message again (say, once PSA is configured), as `relay archive replay` does. */
    replay: act.input(z.strictObject({ id })).mutation(async ({ ctx, input }) => {
      const row = await findInboundForOrg(db, ctx.orgId, input.id);
      if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: 'no such inbound message' });
      try {
        await replayArchivedInbound({ db, client: deps.temporal, workflows: deps.workflows, routeMaxAttempts: deps.routeMaxAttempts }, row);
      } catch (error) {
        if (error instanceof ReplayRefused) throw new TRPCError({ code: 'CONFLICT', message: error.message });
        throw error;
      }
      return { id: row.id, status: 'received' as const };
    }),

    /** The organization's support addresses: mail to them becomes helpdesk tickets. */
    addresses: readAddresses.input(z.strictObject(keysetPageInput(isAddress))).query(async ({ ctx, input }) => {
      // Addresses page in address order; the cursor's time part is unused.
      const rows = await listInboundAddresses(db, ctx.orgId, { limit: input.limit + 1, after: input.cursor?.id });
      return keysetPage(
        rows,
        input.limit,
        (row) => ({ at: row.created_at, id: row.address }),
        (row) => ({ address: row.address, status: row.status, createdAt: row.created_at.toISOString() }),
      );
    }),

    addAddress: manageAddresses.input(inboundAddressRequest).mutation(async ({ ctx, input }) => {
      const claim = await claimSupportAddress({ db, workflows: deps.workflows, checks: deps.addressChecks }, ctx.orgId, input.address);
      if (claim === 'taken') throw new TRPCError({ code: 'CONFLICT', message: 'this address belongs to another organization' });
      return { address: claim.address, status: claim.status };
    }),

    removeAddress: manageAddresses.input(z.strictObject({ address: z.string().trim().min(1).max(320) })).mutation(async ({ ctx, input }) => {
      if (!(await deleteInboundAddress(db, ctx.orgId, input.address))) throw new TRPCError({ code: 'NOT_FOUND', message: 'no such inbound address' });
      return { address: input.address.toLowerCase(), removed: true };
    }),
  });
}
