import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { roleAtLeast } from '../auth/roles.js';
import { scopedProcedure, t } from '../auth/trpc.js';
import type { Db } from '../db/database.js';
import { EMAIL_STATUSES } from '../db/tables/emails.js';
import { keysetPage, keysetPageInput } from '../http/pagination.js';
import { emailWorkflowId } from '../temporal/ids.js';
import { replayWorkflow, ReplayRefused } from '../temporal/replay.js';
import { countEmailsByStatus, countSendsPerHour, findEmail, listEmailEvents, listEmails, type EmailListRow } from './repository.js';
import { recipientStates } from './timeline.js';

export interface EmailRouterDeps {
  db: Db;
  temporal: Client;
  /** The Temporal UI's base URL and the namespace the workflows run in; no links without it. */
  temporalUi: { url: string; namespace: string } | undefined;
}

// Viewers read the activity log; replaying a failed send is acting on email, a Member's right.
const read = scopedProcedure('read', 'Viewer');
const act = scopedProcedure('send', 'Member');

// Substring search reads a trigram index, which needs three characters to narrow anything down.
const searchText = z.string().trim().min(3, 'type at least 3 characters').max(320);

const listInput = z.strictObject({
  recipient: searchText.optional(),
  subject: searchText.optional(),
  tag: z.string().trim().min(1).max(513).optional(),
  status: z.enum(EMAIL_STATUSES).optional(),
  since: z.date().optional(),
  before: z.date().optional(),
  ...keysetPageInput(),
});

function summary(email: EmailListRow) {
  return {
    id: email.id,
    status: email.status,
    from: email.content.from,
    to: email.content.to,
    recipients: email.recipients,
    subject: email.subject,
    tags: email.tags,
    failureReason: email.failure_reason,
    createdAt: email.created_at.toISOString(),
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Delivered, bounced and complained as shares of what SES accepted (a complaint was delivered first). */
function rates(counts: Partial<Record<(typeof EMAIL_STATUSES)[number], number>>) {
  const n = (status: (typeof EMAIL_STATUSES)[number]) => counts[status] ?? 0;
  const sent = n('sent') + n('delivered') + n('bounced') + n('complained');
  const share = (value: number) => (sent === 0 ? null : value / sent);
  return {
    accepted: EMAIL_STATUSES.reduce((total, status) => total + n(status), 0),
    sent,
    failed: n('failed'),
    suppressed: n('suppressed'),
    deliveryRate: share(n('delivered') + n('complained')),
    bounceRate: share(n('bounced')),
    complaintRate: share(n('complained')),
  };
}

export function createEmailsRouter(deps: EmailRouterDeps) {
  const { db } = deps;
  return t.router({
    /** The activity log, newest first: any mix of recipient, subject, tag, status and creation time. */
    list: read.input(listInput).query(async ({ ctx, input }) => {
      const rows = await listEmails(db, ctx.orgId, {
        recipientContains: input.recipient,
        subjectContains: input.subject,
        tag: input.tag,
        status: input.status,
        since: input.since,
        before: input.before,
        limit: input.limit + 1,
        after: input.cursor ?? undefined,
      });
      return keysetPage(rows, input.limit, (email) => ({ at: email.created_at, id: email.id }), summary);
    }),

    /** One email: what was sent, each recipient's state, the whole timeline, and its workflow. */
    get: read.input(z.strictObject({ id: z.uuid() })).query(async ({ ctx, input }) => {
      const email = await findEmail(db, ctx.orgId, input.id);
      if (!email) throw new TRPCError({ code: 'NOT_FOUND', message: 'no such email' });
      const events = (await listEmailEvents(db, ctx.orgId, email.id)).map((event) => ({
        id: event.id,
        type: event.type,
        recipient: event.recipient,
        at: event.occurred_at.toISOString(),
        detail: event.detail,
      }));
      const workflowId = emailWorkflowId(email.id);
      const { temporalUi } = deps;
      return {
        ...summary(email),
        cc: email.content.cc,
        bcc: email.content.bcc,
        replyTo: email.content.reply_to,
        headers: email.content.headers,
        metadata: email.metadata,
        sesMessageId: email.ses_message_id,
        recipientStates: recipientStates(email, events),
        events,
        workflowId,
        // People see the workflow in the Temporal UI; API keys get only its id.
        workflowUrl:
          temporalUi && ctx.caller.kind === 'user'
            ? `${temporalUi.url}/namespaces/${encodeURIComponent(temporalUi.namespace)}/workflows/${encodeURIComponent(workflowId)}`
            : null,
        // A failed send past its retention period has no body left to send again.
        canReplay:
          email.status === 'failed' &&
          !email.content_purged_at &&
          (ctx.caller.kind === 'api-key' ? ctx.caller.scopes.includes('send') : roleAtLeast(ctx.caller.role, 'Member')),
      };
    }),

    /** Sends a failed email again: a new run of its workflow, exactly as `relay replay email-<id>` starts it. */
    replay: act.input(z.strictObject({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
      const email = await findEmail(db, ctx.orgId, input.id);
      if (!email) throw new TRPCError({ code: 'NOT_FOUND', message: 'no such email' });
      if (email.status !== 'failed') throw new TRPCError({ code: 'CONFLICT', message: `the email is ${email.status}; only failed sends are replayed` });
      if (email.content_purged_at)
        throw new TRPCError({ code: 'CONFLICT', message: 'the email is past its retention period: its content was purged, so it cannot be sent again' });
      try {
        const run = await replayWorkflow(deps.temporal, emailWorkflowId(email.id));
        return { id: email.id, runId: run.runId, replayOfRunId: run.replayOfRunId };
      } catch (error) {
        if (error instanceof ReplayRefused) throw new TRPCError({ code: 'CONFLICT', message: error.message });
        if (error instanceof WorkflowNotFoundError)
          throw new TRPCError({ code: 'CONFLICT', message: 'Temporal no longer has this send: its history has expired' });
        throw error;
      }
    }),

    /**
     * The Overview's numbers: emails accepted since the start of today and of the last 7 days
     * (the day starts where the reader is, so the client says when), their delivery, bounce
     * and complaint rates, and sends per hour over the last 24 hours.
     */
    stats: read.input(z.strictObject({ todayStart: z.date() })).query(async ({ ctx, input }) => {
      const now = Date.now();
      if (Math.abs(now - input.todayStart.getTime()) > 2 * DAY_MS)
        throw new TRPCError({ code: 'BAD_REQUEST', message: 'todayStart must be within the last day' });
      const weekStart = new Date(input.todayStart.getTime() - 6 * DAY_MS);
      const dayAgo = new Date(Math.floor((now - DAY_MS) / 3_600_000 + 1) * 3_600_000);
      const [today, week, hourly] = await Promise.all([
        countEmailsByStatus(db, ctx.orgId, input.todayStart),
        countEmailsByStatus(db, ctx.orgId, weekStart),
        countSendsPerHour(db, ctx.orgId, dayAgo),
      ]);
      const byHour = new Map(hourly.map((row) => [row.hour.getTime(), row.sends]));
      return {
        today: rates(today),
        last7Days: rates(week),
        sendsPerHour: Array.from({ length: 24 }, (_, index) => {
          const hour = dayAgo.getTime() + index * 3_600_000;
          return { hour: new Date(hour).toISOString(), sends: byHour.get(hour) ?? 0 };
        }),
      };
    }),
  });
}
