import { randomUUID } from 'node:crypto';
import type { Db, DbOrTrx } from '../db/database.js';
import { insertEmail } from './repository.js';
import { sendPathOf } from './send-path.js';
import { claimIdempotencyKey, findIdempotencyKey, storeIdempotentResponse } from '../http/idempotency-repository.js';
import { assertSameRequest, requestHashOf, type IdempotencyRequest } from '../http/idempotency.js';
import type { EmailContent, SendPriority } from '../db/tables/emails.js';
import type { SendEmailRequest } from './schemas.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { claimDailySends } from '../usage/index.js';

/** The emails are stored but their workflows could not be started (Temporal unreachable); the stranded-email sweep starts them. */
export class SendNotStarted extends Error {
  override name = 'SendNotStarted';
}

export interface AcceptResponse {
  status: number;
  body: unknown;
}

/**
 * Persists validated emails and starts one `email-<id>` workflow each. With an
 * idempotency key, the first answer is stored with the emails in one transaction, and a
 * repeat returns it (after making sure its workflows run) instead of sending again.
 */
export async function acceptEmails(
  deps: { db: Db; workflows: WorkflowStarter },
  orgId: string,
  emails: SendEmailRequest[],
  respond: (ids: string[]) => AcceptResponse,
  options: { idempotency?: IdempotencyRequest; defaultPriority: SendPriority; dailySendQuota: number | null },
): Promise<AcceptResponse> {
  const { idempotency } = options;
  const priorities = emails.map((email) => email.priority ?? options.defaultPriority);
  const requestHash = requestHashOf(idempotency);
  const persist = async (trx: DbOrTrx) => {
    if (idempotency) {
      const claimed = await claimIdempotencyKey(trx, { orgId, key: idempotency.key, endpoint: idempotency.endpoint, requestHash });
      if (!claimed) return { kind: 'repeat' as const, previous: await findIdempotencyKey(trx, orgId, idempotency.key) };
    }
    // Counted with the emails, in their transaction: a repeat of a stored answer counts nothing.
    if (options.dailySendQuota !== null) await claimDailySends(trx, orgId, emails.length, options.dailySendQuota);
    const ids = emails.map(() => randomUUID());
    const sizes: number[] = [];
    for (const [index, email] of emails.entries()) {
      const { contentBytes } = await insertEmail(trx, {
        id: ids[index]!,
        orgId,
        content: toContent(email),
        tags: email.tags ?? {},
        metadata: email.metadata ?? {},
        priority: priorities[index],
      });
      sizes.push(contentBytes);
    }
    const response = respond(ids);
    if (idempotency) await storeIdempotentResponse(trx, { orgId, key: idempotency.key }, { ...response, emailIds: ids });
    return { kind: 'new' as const, ids, sizes, response };
  };
  // One email without a key or a quota is a single atomic statement; anything more needs a transaction.
  const single = !idempotency && emails.length === 1 && options.dailySendQuota === null;
  const outcome = single ? await persist(deps.db) : await deps.db.transaction().execute(persist);

  if (outcome.kind === 'repeat') {
    const previous = outcome.previous;
    assertSameRequest(previous, idempotency, requestHash);
    await startAll(
      deps.workflows,
      orgId,
      // The same body (its hash matched): the same messages, in the same order.
      previous.email_ids.map((emailId, index) => ({ emailId, priority: priorities[index] })),
    );
    return { status: previous.response_status ?? 202, body: previous.response_body };
  }
  await startAll(
    deps.workflows,
    orgId,
    outcome.ids.map((emailId, index) => ({ emailId, priority: priorities[index], contentBytes: outcome.sizes[index] })),
  );
  return outcome.response;
}

async function startAll(
  workflows: WorkflowStarter,
  orgId: string,
  sends: { emailId: string; priority?: SendPriority; contentBytes?: number }[],
): Promise<void> {
  try {
    await Promise.all(sends.map((send) => workflows.startSendEmail({ orgId, ...send, sendPath: sendPathOf(sends.length, send.contentBytes) })));
  } catch (error) {
    throw new SendNotStarted(error instanceof Error ? error.message : String(error));
  }
}

function toContent(email: SendEmailRequest): EmailContent {
  return {
    from: email.from,
    to: email.to,
    cc: email.cc ?? [],
    bcc: email.bcc ?? [],
    reply_to: email.reply_to ?? [],
    subject: email.subject,
    html: email.html ?? null,
    text: email.text ?? null,
    headers: email.headers ?? {},
    attachments: (email.attachments ?? []).map((file) => ({ filename: file.filename, content: file.content, content_type: file.content_type })),
  };
}
