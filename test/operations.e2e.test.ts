import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './support/http.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

let stack: Stack;
const logLines: string[] = [];

beforeAll(async () => {
  stack = await startStack({ worker: false, logLines, env: { METRICS_TOKEN: 'metrics-token' } });
});
afterAll(() => stack?.stop());

describe('operations endpoints', () => {
  it('logs requests as JSON with the request id and org id, and never the credentials', async () => {
    const { key } = await createOrgWithKey(stack.db);
    await call(stack.api.url, '/api/v1/emails', { key, headers: { 'x-request-id': 'req-logged-1', cookie: 'relay_session=secret-cookie-value' } });
    const line = logLines.map((entry) => JSON.parse(entry)).find((entry) => entry.req?.id === 'req-logged-1');
    expect(line).toMatchObject({ msg: 'request completed', orgId: expect.any(String), res: { statusCode: 200 } });
    const everything = logLines.join('\n');
    expect(everything).not.toContain(key);
    expect(everything).not.toContain(key.slice(20));
    expect(everything).not.toContain('secret-cookie-value');
    expect(line.req.headers.authorization).toBe('[redacted]');
  });

  it('reports liveness and readiness of PostgreSQL and Temporal', async () => {
    expect((await call(stack.api.url, '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await call(stack.api.url, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { database: 'ok', temporal: 'ok' } });
  });

  it('serves an OpenAPI document generated from the request schemas', async () => {
    const { body } = await call(stack.api.url, '/api/openapi.json');
    expect(body.openapi).toBe('3.1.0');
    const send = body.paths['/api/v1/emails'].post;
    const schema = send.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(expect.arrayContaining(['from', 'to', 'subject']));
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['from', 'to', 'cc', 'bcc', 'reply_to', 'subject', 'html', 'text', 'headers', 'tags', 'attachments', 'metadata']),
    );
    expect(schema.additionalProperties).toBe(false);
    const ticketChange = body.paths['/api/v1/tickets/{id}'].patch.requestBody.content['application/json'].schema;
    expect(ticketChange.properties.status.enum).toEqual(['open', 'pending', 'resolved', 'closed']);
    const debrief = body.paths['/api/v1/debriefs'].post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(debrief)).toContain('update_opportunity');
  });

  it('exposes Prometheus metrics by route, and echoes or assigns a request id', async () => {
    const echoed = await call(stack.api.url, '/api/v1/emails', { headers: { 'x-request-id': 'trace-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('trace-123');
    expect((await call(stack.api.url, '/healthz')).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const response = await fetch(`${stack.api.url}/metrics`, { headers: { authorization: 'Bearer metrics-token' } });
    const text = await response.text();
    expect(text).toContain('relay_http_requests_total{method="GET",route="/api/v1/emails",status="401"} 1');
    expect(text).toContain('relay_http_request_duration_seconds_bucket');
  });
});
