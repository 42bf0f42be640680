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
export function sesSendsByEmailId(ses: FakeSes): Map<string, number[]> {
  const sends = new Map<string, number[]>();
  for (const request of ses.requests) {
    if (request.path !== '/v2/email/outbound-emails') continue;
    const tags = (JSON.parse(request.body) as { EmailTags?: { Name: string; Value: string }[] }).EmailTags ?? [];
    const emailId = tags.find((tag) => tag.Name === 'relay_email_id')?.Value;
    if (!emailId) continue;
    sends.set(emailId, [...(sends.get(emailId) ?? []), request.receivedAt]);
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
