import type { FakeSes } from '../../fakes/fake-ses.js';

export type Answer = { status: number; body: any } | { status: 'no_answer'; error: string };

/** One POST /api/v1/emails as a client makes it; no answer (refused, reset, timed out) is an outcome too. */
export async function postEmail(
  apiUrl: string,
  apiKey: string,
  subject: string,
  options: { idempotencyKey?: string; timeoutMs?: number } = {},
): Promise<Answer> {
  try {
    const response = await fetch(`${apiUrl}/api/v1/emails`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
      },
      body: JSON.stringify({ from: 'Load <load@acme.example>', to: `${subject.replace(/\W+/g, '-')}@example.org`, subject, text: 'production shape' }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body };
  } catch (error) {
    return {
      status: 'no_answer',
      error: error instanceof Error ? `${error.name}: ${(error.cause as Error | undefined)?.message ?? error.message}` : String(error),
    };
  }
}

/** Runs `work` for every item, at most `concurrency` at a time. */
export async function inParallel<T, R>(items: T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!, index);
      }
    }),
  );
  return results;
}

/** When each SendEmail reached the SES stand-in (performance.now()), by Relay's email id tag. */
/** One SendEmail call the SES stand-in accepted. */
export interface SesSend {
  /** performance.now() when it arrived. */
  at: number;
  /** The process that made it, from the `app/<id>` its SDK puts in User-Agent (AWS_SDK_UA_APP_ID). */
  sender: string | undefined;
  /** The MessageId the stand-in answered. */
  messageId: string | undefined;
}

/** The SendEmail calls the SES stand-in received, by the relay_email_id tag Relay puts on every send, in arrival order. */
export function sesSendsByEmailId(ses: FakeSes): Map<string, SesSend[]> {
  const sends = new Map<string, SesSend[]>();
  for (const request of ses.sendRequests) {
    const tags = (JSON.parse(request.body) as { EmailTags?: { Name: string; Value: string }[] }).EmailTags ?? [];
    const emailId = tags.find((tag) => tag.Name === 'relay_email_id')?.Value;
    if (!emailId) continue;
    const sender = /(?:^| )app\/(\S+)/.exec(String(request.headers['user-agent'] ?? ''))?.[1];
    sends.set(emailId, [...(sends.get(emailId) ?? []), { at: request.receivedAt, sender, messageId: ses.answeredMessageIds.get(request) }]);
  }
  return sends;
}

/** The most sends in any window of `windowMs` (sliding). */
export function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let busiest = 0;
  for (let start = 0, end = 0; start < sorted.length; start += 1) {
    while (end < sorted.length && sorted[end]! < sorted[start]! + windowMs) end += 1;
    busiest = Math.max(busiest, end - start);
  }
  return busiest;
}

/** Sends counted by a worker's /metrics (relay_ses_sends_total{outcome="sent"}). */
export async function workerSends(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const line = text.split('\n').find((entry) => entry.startsWith('relay_ses_sends_total{outcome="sent"}'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** The sum of a counter's series on a worker's /metrics whose labels include `labels` (e.g. `workflow_type="sendEmailWorkflow"`). */
export async function workerCounter(metricsUrl: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return text
    .split('\n')
    .filter((line) => (line.startsWith(`${name}{`) || line.startsWith(`${name}_total{`)) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}
