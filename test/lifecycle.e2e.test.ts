import { sesEventWorkflowId, snsSubscriptionWorkflowId } from '../src/temporal/ids.js';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsRecordingHttp } from './fakes/aws-http.js';
import { ProductFake } from './fakes/product-server.js';
import { call, eventually } from './support/http.js';
import { sesEmailsTo } from './support/ses-store.js';
import { CERT_URL, TOPIC_ARN, makeSigningCertificate, sesEvents, sesNotification, signSnsMessage } from './support/sns.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

const { key: signingKey, certificate } = makeSigningCertificate();
const certificateRequests: string[] = [];
const http = awsRecordingHttp();
const bus = new ProductFake();
let stack: Stack;
let key: string;
let orgId: string;
let domain: string;

beforeAll(async () => {
  await bus.start();
  stack = await startStack({
    env: { SNS_TOPIC_ARNS: TOPIC_ARN, BUS_API_URL: bus.url, BUS_INTEGRATION_KEY: 'bus-key', RELAY_ADMIN_KEY: 'admin-secret', METRICS_TOKEN: 'metrics-token' },
    fetchSnsCertificate: async (url) => {
      certificateRequests.push(url);
      return certificate;
    },
    workerOverrides: { http },
  });
  ({ key, orgId, domain } = await createOrgWithKey(stack.db, ['send', 'read', 'suppressions']));
});
afterAll(async () => {
  await stack?.stop();
  await bus.stop();
});
beforeEach(() => {
  bus.failNext = 0;
});

const unique = (name: string) => `${name}-${randomBytes(4).toString('hex')}@example.org`;

async function sendAndWait(to: string[], apiKey = key, from = `a@${domain}`): Promise<{ id: string; sesMessageId: string }> {
  const { body } = await call(stack.api.url, '/api/v1/emails', { key: apiKey, body: { from, to, subject: 's', text: 't' } });
  const email = await eventually(async () => {
    const { body: current } = await call(stack.api.url, `/api/v1/emails/${body.id}`, { key: apiKey });
    return current.status === 'sent' ? current : undefined;
  }, 'the email to be sent');
  return { id: body.id, sesMessageId: email.ses_message_id };
}

const postSns = (message: unknown, rawBody?: string) =>
  call(stack.api.url, '/api/webhooks/ses', {
    rawBody: rawBody ?? JSON.stringify(message),
    headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
  });

const emailView = async (id: string, apiKey = key) => (await call(stack.api.url, `/api/v1/emails/${id}`, { key: apiKey })).body;

async function processed(snsMessageId: string, workflowId = sesEventWorkflowId(snsMessageId)) {
  const handle = stack.client.workflow.getHandle(workflowId);
  return eventually(async () => handle.result(), `${workflowId} to finish`);
}

describe('SNS verification', () => {
  it('refuses a tampered body, a foreign certificate host, an http certificate URL, an unknown topic and a bad signature, storing nothing', async () => {
    const mail = sesEvents.mail('unknown-msg', ['x@example.org']);
    const good = sesNotification(signingKey, sesEvents.delivery(mail, ['x@example.org']));
    const cases = [
      { ...good, Message: good.Message.replace('x@example.org', 'y@example.org') },
      sesNotification(signingKey, sesEvents.open(mail), { SigningCertURL: 'https://sns.us-east-1.amazonaws.com.evil.test/cert.pem' }),
      sesNotification(signingKey, sesEvents.open(mail), { SigningCertURL: 'http://sns.us-east-1.amazonaws.com/cert.pem' }),
      sesNotification(signingKey, sesEvents.open(mail), { TopicArn: 'arn:aws:sns:us-east-1:999999999999:someone-else' }),
      { ...good, Signature: Buffer.from('not a signature').toString('base64') },
    ];
    for (const message of cases) {
      const response = await postSns(message);
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe('unauthorized');
    }
    expect((await postSns(undefined, '{not json')).status).toBe(401);
    expect(certificateRequests.every((url) => url === CERT_URL)).toBe(true);
    const stored = await stack.db.selectFrom('sns_messages').select('sns_message_id').execute();
    expect(stored).toEqual([]);
    const metrics = await (await fetch(`${stack.api.url}/metrics`, { headers: { authorization: 'Bearer metrics-token' } })).text();
    expect(metrics).toContain('relay_webhooks_total{provider="sns",outcome="rejected"} 6');
  });

  it('accepts signature version 2 (SHA256) and fetches the certificate once', async () => {
    const before = certificateRequests.length;
    const mail = sesEvents.mail('v2-msg', ['x@example.org']);
    const first = sesNotification(signingKey, sesEvents.open(mail), { SignatureVersion: '2' });
    const second = sesNotification(signingKey, sesEvents.open(mail), { SignatureVersion: '2' });
    expect((await postSns(first)).status).toBe(200);
    expect((await postSns(second)).status).toBe(200);
    expect(certificateRequests.length - before).toBeLessThanOrEqual(1);
  });

  it('confirms a subscription by visiting its SubscribeURL, only once verified', async () => {
    const subscribeUrl = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC_ARN}&Token=abc`;
    const confirmation = signSnsMessage(signingKey, {
      Type: 'SubscriptionConfirmation',
      MessageId: `sub-${randomBytes(4).toString('hex')}`,
      TopicArn: TOPIC_ARN,
      Token: 'abc',
      Message: 'You have chosen to subscribe to the topic.',
      SubscribeURL: subscribeUrl,
      Timestamp: new Date().toISOString(),
    });
    const forged = { ...confirmation, SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=forged' };
    expect((await postSns(forged)).status).toBe(401);
    expect(http.awsRequests).toEqual([]);

    expect((await postSns(confirmation)).status).toBe(200);
    await processed(confirmation.MessageId, snsSubscriptionWorkflowId(confirmation.MessageId));
    expect(http.awsRequests.map((request) => [request.method, request.url])).toEqual([['GET', subscribeUrl]]);
  });
});

describe('SES events', () => {
  it('moves a message through delivery, opens and clicks, with a timeline per recipient', async () => {
    const to = unique('delivered');
    const { id, sesMessageId } = await sendAndWait([to]);
    const mail = sesEvents.mail(sesMessageId, [to], { relay_org_id: [orgId], relay_email_id: [id] });
    for (const record of [sesEvents.send(mail), sesEvents.delivery(mail, [to]), sesEvents.open(mail), sesEvents.click(mail, 'https://example.com/welcome')]) {
      const message = sesNotification(signingKey, record);
      expect((await postSns(message)).status).toBe(200);
      await processed(message.MessageId);
    }
    const email = await emailView(id);
    expect(email.status).toBe('delivered');
    expect(email.recipients).toEqual([{ address: to, status: 'delivered', at: expect.any(String) }]);
    expect(email.events.map((event: { type: string }) => event.type)).toEqual(['queued', 'sent', 'delivered', 'opened', 'clicked']);
    expect(email.events.find((event: { type: string }) => event.type === 'clicked').detail.url).toBe('https://example.com/welcome');
  });

  it('a permanent bounce marks the message bounced, suppresses the address, and the next send skips SES', async () => {
    const to = unique('bounced');
    const { id, sesMessageId } = await sendAndWait([to]);
    const message = sesNotification(signingKey, sesEvents.bounce(sesEvents.mail(sesMessageId, [to]), [to]));
    await postSns(message);
    await processed(message.MessageId);

    const email = await emailView(id);
    expect(email.status).toBe('bounced');
    expect(email.events.at(-1)).toMatchObject({
      type: 'bounced',
      recipient: to,
      detail: { bounce_type: 'Permanent', bounce_sub_type: 'General', diagnostic_code: 'smtp; 550 5.1.1 user unknown' },
    });
    const suppression = await call(stack.api.url, `/api/v1/suppressions/${encodeURIComponent(to)}`, { key });
    expect(suppression.body).toMatchObject({ address: to, reason: 'hard_bounce', source_email_id: id });

    const next = await call(stack.api.url, '/api/v1/emails', { key, body: { from: `a@${domain}`, to, subject: 'again', text: 't' } });
    const suppressed = await eventually(async () => {
      const current = await emailView(next.body.id);
      return current.status === 'suppressed' ? current : undefined;
    }, 'the next send to be suppressed');
    expect(suppressed.events.map((event: { type: string }) => event.type)).toEqual(['queued', 'suppressed']);
    expect(await sesEmailsTo(stack.sesUrl, to)).toHaveLength(1);

    expect((await call(stack.api.url, `/api/v1/suppressions/${encodeURIComponent(to)}`, { key, method: 'DELETE' })).status).toBe(204);
    await sendAndWait([to]);
    expect(await sesEmailsTo(stack.sesUrl, to)).toHaveLength(2);
  });

  it('a complaint suppresses the address; transient bounces and delays only add to the timeline', async () => {
    const complainer = unique('complainer');
    const soft = unique('soft');
    const { id, sesMessageId } = await sendAndWait([complainer, soft]);
    const mail = sesEvents.mail(sesMessageId, [complainer, soft]);
    for (const record of [
      sesEvents.deliveryDelay(mail, [soft]),
      sesEvents.bounce(mail, [soft], 'Transient', 'MailboxFull'),
      sesEvents.complaint(mail, [complainer]),
    ]) {
      const message = sesNotification(signingKey, record);
      await postSns(message);
      await processed(message.MessageId);
    }
    const email = await emailView(id);
    expect(email.status).toBe('complained');
    expect(email.recipients).toEqual(
      expect.arrayContaining([
        { address: complainer, status: 'complained', at: expect.any(String) },
        { address: soft, status: 'bounced', at: expect.any(String) },
      ]),
    );
    const list = await call(stack.api.url, `/api/v1/suppressions?search=${encodeURIComponent(complainer.slice(0, 12))}`, { key });
    expect(list.body.data.map((entry: { address: string; reason: string }) => [entry.address, entry.reason])).toEqual([[complainer, 'complaint']]);
    expect((await call(stack.api.url, `/api/v1/suppressions/${encodeURIComponent(soft)}`, { key })).status).toBe(404);
  });

  it('ends in the right status whatever the order: a late delivery never undoes a bounce', async () => {
    const to = unique('order');
    const { id, sesMessageId } = await sendAndWait([to]);
    const mail = sesEvents.mail(sesMessageId, [to]);
    for (const record of [sesEvents.bounce(mail, [to]), sesEvents.delivery(mail, [to]), sesEvents.send(mail)]) {
      const message = sesNotification(signingKey, record);
      await postSns(message);
      await processed(message.MessageId);
    }
    expect((await emailView(id)).status).toBe('bounced');
  });

  it('a duplicate SNS delivery changes nothing the second time', async () => {
    const to = unique('dup');
    const { id, sesMessageId } = await sendAndWait([to]);
    const message = sesNotification(signingKey, sesEvents.delivery(sesEvents.mail(sesMessageId, [to]), [to]));
    await postSns(message);
    await processed(message.MessageId);
    const before = await emailView(id);
    expect((await postSns(message)).status).toBe(200);
    await processed(message.MessageId);
    expect((await emailView(id)).events).toEqual(before.events);
  });

  it('marks rejected and unrenderable messages failed', async () => {
    for (const make of [sesEvents.reject, sesEvents.renderingFailure]) {
      const to = unique('rejected');
      const { id, sesMessageId } = await sendAndWait([to]);
      const message = sesNotification(signingKey, make(sesEvents.mail(sesMessageId, [to])));
      await postSns(message);
      await processed(message.MessageId);
      const email = await emailView(id);
      expect(email.status).toBe('failed');
      expect(email.failure_reason).toMatch(/SES (rejected|could not render)/);
    }
  });

  it('keeps events for messages Relay does not know, visible to operators', async () => {
    const message = sesNotification(signingKey, sesEvents.delivery(sesEvents.mail('never-sent-by-relay', ['z@example.org']), ['z@example.org']));
    await postSns(message);
    await processed(message.MessageId);
    expect((await call(stack.api.url, '/api/admin/ses-notifications/unmatched')).status).toBe(401);
    const { body } = await call(stack.api.url, '/api/admin/ses-notifications/unmatched', { key: 'admin-secret' });
    expect(body.data).toContainEqual(
      expect.objectContaining({ sns_message_id: message.MessageId, event_type: 'Delivery', ses_message_id: 'never-sent-by-relay' }),
    );
  });
});

describe('Bus events', () => {
  it('emits sent, bounced and complained once each, with stable ids and the integration key', async () => {
    const { orgId: ownOrg, key: ownKey, sender } = await createOrgWithKey(stack.db);
    const to = unique('bus');
    const { id, sesMessageId } = await sendAndWait([to], ownKey, sender('a'));
    const mail = sesEvents.mail(sesMessageId, [to]);
    const bounce = sesNotification(signingKey, sesEvents.bounce(mail, [to]));
    const complaint = sesNotification(signingKey, sesEvents.complaint(mail, [to]));
    for (const message of [bounce, complaint, bounce]) {
      await postSns(message);
      await processed(message.MessageId);
    }
    const mine = () => bus.accepted().filter((entry) => entry.body.org_id === ownOrg);
    await eventually(async () => (mine().length >= 3 ? true : undefined), 'three Bus events');
    expect(
      mine()
        .map((entry) => entry.body.type)
        .sort(),
    ).toEqual(['relay.email.bounced', 'relay.email.complained', 'relay.email.sent']);
    for (const entry of mine()) {
      expect(entry.headers['x-integration-key']).toBe('bus-key');
      expect(entry.headers['idempotency-key']).toBe(entry.body.id);
      expect(entry.body.data.email_id).toBe(id);
    }
  });

  it('a Bus outage delays the event but never the send', async () => {
    const { orgId: ownOrg, key: ownKey, sender } = await createOrgWithKey(stack.db);
    bus.failNext = 2;
    const { id } = await sendAndWait([unique('outage')], ownKey, sender('a'));
    expect((await emailView(id, ownKey)).status).toBe('sent');
    const event = await eventually(async () => bus.accepted().find((entry) => entry.body.org_id === ownOrg), 'the sent event after the outage', 60_000);
    expect(event.body).toMatchObject({ type: 'relay.email.sent', data: { email_id: id } });
    const attempts = bus.answered.filter((entry) => JSON.parse(entry.request.body).org_id === ownOrg);
    expect(attempts.map((entry) => entry.status)).toEqual([503, 503, 200]);
  });
});
