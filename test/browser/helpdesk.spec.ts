import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { FakeGraph, FakeSlack, FakeTwilio } from '../fakes/reply-providers.js';
import { RecordingServer } from '../fakes/recording-server.js';
import { expect, narrowToPhone, test } from './support/fixtures.js';
import { dialpadEvent, helpdeskOf, hex, sesStore, stored } from './support/helpdesk.js';

// The inbox and ticket pages ask for news every 4 s: what Relay stored shows within 5 s, without a reload.
const WITHIN_5_S = { timeout: 5_000 };

test('an inbound email becomes a ticket; the agent replies by email, threaded; the customer answers into the same ticket', async ({
  page,
  signIn,
  organization,
  db,
}) => {
  const { support, customers } = await helpdeskOf(db, organization);
  await signIn('Member');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' }).click();
  await expect(page.getByRole('heading', { name: 'Inbox', level: 1 })).toBeVisible();
  await expect(page.getByText('No tickets in this view.')).toBeVisible();

  const customer = `cleo-${hex(3)}@client.example`;
  const first = await customers.email({ from: customer, fromName: 'Cleo Client', to: support, subject: 'My invoice is wrong', text: 'I was charged twice.' });
  expect(first.status).toBe(200);
  await stored(db, organization.id, 'I was charged twice.');
  const link = page.getByRole('link', { name: 'My invoice is wrong' });
  await expect(link).toBeVisible(WITHIN_5_S);
  await expect(page.getByRole('tab', { name: /All/ })).toContainText('1');

  await link.click();
  await expect(page.getByRole('heading', { name: /My invoice is wrong/, level: 1 })).toBeVisible();
  // A ticket is in the inbox: the navigation says where the reader is.
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('article', { name: new RegExp(`${customer}, from the customer`) })).toContainText('I was charged twice.');
  const panel = page.getByRole('complementary', { name: 'Customer' });
  await expect(panel.getByText('Cleo Client')).toBeVisible();
  await expect(panel.getByText('No subscription in the connected Stripe account.')).toBeVisible();

  await expect(page.getByRole('combobox', { name: 'Send on' })).toHaveValue(`email to ${customer}`);
  await page.getByRole('textbox', { name: 'Your reply' }).fill('Sorry about that: the second charge is refunded.');
  await page.getByRole('button', { name: 'Send reply' }).click();
  const reply = page.getByRole('article', { name: /Ada Lovelace, reply/ });
  await expect(reply).toContainText('the second charge is refunded');
  await expect(reply.getByText('sent', { exact: true })).toBeVisible({ timeout: 15_000 });

  // The SES emulator holds the reply: From the support address, threaded to the customer's message.
  const number = (await page.getByRole('heading', { level: 1 }).textContent())!.match(/#(\d+)/)![1];
  const held = await expect
    .poll(async () => (await sesStore()).find((email) => email.destination.to.some((to) => to.includes(customer))), { timeout: 15_000 })
    .toBeTruthy()
    .then(async () => (await sesStore()).find((email) => email.destination.to.some((to) => to.includes(customer)))!);
  expect(held.from).toContain(support);
  expect(held.subject).toBe(`Re: My invoice is wrong [Ticket #${number}]`);
  expect(held.headers).toEqual(
    expect.arrayContaining([
      { name: 'In-Reply-To', value: first.messageId },
      { name: 'References', value: first.messageId },
    ]),
  );

  // The customer answers the reply: their mail client names SES's Message-ID of it; no reload.
  await customers.email({
    from: customer,
    to: support,
    subject: 'Re: My invoice is wrong',
    text: 'Thank you, all good now.',
    inReplyTo: `<${held.messageId}@email.amazonses.com>`,
  });
  await stored(db, organization.id, 'Thank you, all good now.');
  await expect(page.getByRole('article', { name: new RegExp(`${customer}, from the customer`) }).filter({ hasText: 'Thank you, all good now.' })).toBeVisible(
    WITHIN_5_S,
  );
  await expect(page.getByRole('article')).toHaveCount(3);

  // A private note, and the ticket closed.
  // The mode switch from the keyboard: focus it, then the arrow key picks the next choice.
  await page.getByRole('radio', { name: 'Reply to customer' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('radio', { name: 'Private note' })).toBeChecked();
  await page.getByRole('textbox', { name: 'Note for the team' }).fill('Refund issued in Stripe.');
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(page.getByRole('article', { name: /private note/ })).toContainText('Refund issued in Stripe.');
  await page.getByRole('combobox', { name: 'Status' }).click();
  await page.getByRole('option', { name: 'resolved' }).click();
  await expect(page.getByRole('combobox', { name: 'Status' })).toHaveValue('resolved');
  expect((await db.selectFrom('tickets').select('status').where('org_id', '=', organization.id).executeTakeFirstOrThrow()).status).toBe('resolved');
  expect((await sesStore()).filter((email) => email.destination.to.some((to) => to.includes(customer)))).toHaveLength(1);
});

test("an SMS ticket answered by SMS reaches Twilio and shows delivered; a send Twilio refuses shows Twilio's reason; tags filter the inbox", async ({
  page,
  signIn,
  organization,
  db,
}) => {
  const { twilio, support, customers } = await helpdeskOf(db, organization);
  const fake = await new FakeTwilio(twilio).start(Number(process.env.TWILIO_FAKE_PORT));
  try {
    await customers.email({ from: `eve-${hex(3)}@client.example`, to: support, subject: 'An email ticket', text: 'By email.' });
    const customer = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    expect((await customers.sms(customer, 'Is my repair done?')).status).toBe(200);
    await stored(db, organization.id, 'Is my repair done?');
    await stored(db, organization.id, 'By email.');
    await signIn('Member');
    await page.goto('/inbox');
    await page.getByRole('link', { name: `SMS from ${customer}` }).click();
    await expect(page.getByRole('combobox', { name: 'Send on' })).toHaveValue(`SMS to ${customer}`);

    // Twilio refuses the first send for good: the reply says failed, and why, in Twilio's words.
    fake.answerNext('permanent');
    await page.getByRole('textbox', { name: 'Your reply' }).fill('Yes, pick it up any time.');
    await page.getByRole('textbox', { name: 'Your reply' }).press('Control+Enter');
    const refused = page.getByRole('article', { name: /reply/ }).filter({ hasText: 'Yes, pick it up any time.' });
    await expect(refused.getByText('failed', { exact: true })).toBeVisible({ timeout: 15_000 });
    await expect(refused).toContainText(`The 'To' number ${customer} is not a valid phone number.`);

    await page.getByRole('textbox', { name: 'Your reply' }).fill('It is ready: pick it up any time.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    const delivered = page.getByRole('article', { name: /reply/ }).filter({ hasText: 'It is ready' });
    await expect(delivered.getByText('sent', { exact: true })).toBeVisible({ timeout: 15_000 });
    expect(fake.accepted.map((send) => send.fields)).toMatchObject([{ To: customer, From: twilio.number, Body: 'It is ready: pick it up any time.' }]);
    expect(fake.problems).toEqual([]);
    // Twilio reports the text delivered: the reply says so, without a reload.
    expect(await customers.smsStatus({ sid: fake.accepted[0]!.id, to: customer, status: 'delivered' })).toBe(204);
    await expect(delivered.getByText('delivered', { exact: true })).toBeVisible(WITHIN_5_S);

    // A tag on the ticket, then the inbox filtered by it: the email ticket is left out.
    await page.getByRole('combobox', { name: 'Tags' }).fill('repair');
    await page.getByRole('combobox', { name: 'Tags' }).press('Enter');
    await expect
      .poll(
        async () =>
          (await db.selectFrom('tickets').select('tags').where('org_id', '=', organization.id).where('channel', '=', 'twilio').executeTakeFirst())?.tags,
      )
      .toEqual(['repair']);
    await page.getByRole('link', { name: 'Back to the inbox' }).click();
    await expect(page.getByRole('link', { name: 'An email ticket' })).toBeVisible();
    await page.getByRole('combobox', { name: 'Tag' }).click();
    await page.getByRole('option', { name: 'repair' }).click();
    await expect(page).toHaveURL(/tag=repair/);
    await expect(page.getByRole('link', { name: 'An email ticket' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: `SMS from ${customer}` })).toBeVisible();
  } finally {
    await fake.stop();
  }
});

test("a WhatsApp ticket is answered within the 24-hour window; once it has closed the reply box names the rule and WhatsApp can't be chosen", async ({
  page,
  signIn,
  organization,
  db,
}) => {
  const { whatsapp, support, customers } = await helpdeskOf(db, organization);
  const fake = await new FakeGraph({ [whatsapp.phoneNumberId]: whatsapp.accessToken }).start(Number(process.env.GRAPH_FAKE_PORT));
  try {
    await customers.email({ from: `eve-${hex(3)}@client.example`, to: support, subject: 'An email ticket', text: 'By email.' });
    const waId = `1666${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    expect((await customers.whatsappText(waId, 'Where is my parcel?')).status).toBe(200);
    await stored(db, organization.id, 'Where is my parcel?');
    await stored(db, organization.id, 'By email.');
    await signIn('Member');
    await page.goto('/inbox');
    await page.getByRole('combobox', { name: 'Channel' }).click();
    await page.getByRole('option', { name: 'WhatsApp' }).click();
    await expect(page).toHaveURL(/channel=whatsapp/);
    await expect(page.getByRole('link', { name: 'An email ticket' })).toHaveCount(0);
    await page.getByRole('link', { name: 'WhatsApp from Wanda' }).click();

    await expect(page.getByRole('combobox', { name: 'Send on' })).toHaveValue(`WhatsApp to ${waId}`);
    await expect(page.getByText(/WhatsApp: 24-hour reply window open until/)).toBeVisible();
    await page.getByRole('textbox', { name: 'Your reply' }).fill('It left the warehouse today.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await expect(page.getByRole('article', { name: /reply/ }).getByText('sent', { exact: true })).toBeVisible({ timeout: 15_000 });
    expect(fake.accepted).toMatchObject([
      {
        path: `/${whatsapp.phoneNumberId}/messages`,
        fields: { messaging_product: 'whatsapp', to: waId, type: 'text', text: { body: 'It left the warehouse today.' } },
      },
    ]);
    expect(fake.problems).toEqual([]);

    // A day and more later (the customer's message moved back 25 hours): the page says so by itself.
    await db
      .updateTable('conversation_messages')
      .set({ created_at: new Date(Date.now() - 25 * 3600_000) })
      .where('org_id', '=', organization.id)
      .where('body_text', '=', 'Where is my parcel?')
      .execute();
    await expect(page.getByText(/WhatsApp: the 24-hour reply window closed at/)).toBeVisible(WITHIN_5_S);
    await expect(page.getByText(/allows a free-form reply only within 24 hours of the customer's last message/).first()).toBeVisible();
    await expect(page.getByRole('button', { name: 'Send reply' })).toBeDisabled();
    expect(fake.accepted).toHaveLength(1);
  } finally {
    await fake.stop();
  }
});

test('a Messenger ticket is answered on Messenger, and a Slack message in its thread', async ({ page, signIn, organization, db }) => {
  const { messenger, slack, customers } = await helpdeskOf(db, organization);
  const graph = await new FakeGraph({ [messenger.pageId]: messenger.accessToken }).start(Number(process.env.GRAPH_FAKE_PORT));
  const slackApi = await new FakeSlack(slack.botToken).start(Number(process.env.SLACK_FAKE_PORT));
  try {
    const psid = `2${String(Math.floor(Math.random() * 1e12)).padStart(12, '0')}`;
    expect((await customers.messengerText(psid, 'Do you ship to Canada?')).status).toBe(200);
    await stored(db, organization.id, 'Do you ship to Canada?');
    const user = `U${hex(4).toUpperCase()}`;
    const thread = await customers.slack(user, 'The VPN is down again');
    expect(thread.status).toBe(200);
    await stored(db, organization.id, 'The VPN is down again');

    await signIn('Member');
    await page.goto('/inbox');
    await page.getByRole('link', { name: `Messenger from ${psid}` }).click();
    await expect(page.getByRole('combobox', { name: 'Send on' })).toHaveValue(`Messenger to ${psid}`);
    await page.getByRole('textbox', { name: 'Your reply' }).fill('Yes, we ship to Canada.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await expect(page.getByRole('article', { name: /reply/ }).getByText('sent', { exact: true })).toBeVisible({ timeout: 15_000 });
    expect(graph.accepted).toMatchObject([
      { path: `/${messenger.pageId}/messages`, fields: { recipient: { id: psid }, messaging_type: 'RESPONSE', message: { text: 'Yes, we ship to Canada.' } } },
    ]);

    await page.getByRole('link', { name: 'Back to the inbox' }).click();
    await page.getByRole('link', { name: `Slack from ${user}` }).click();
    await page.getByRole('textbox', { name: 'Your reply' }).fill('Restarting the gateway now.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await expect(page.getByRole('article', { name: /reply/ }).getByText('sent', { exact: true })).toBeVisible({ timeout: 15_000 });
    // In the customer's thread, not as a new message in the channel.
    expect(slackApi.accepted.map((send) => send.fields)).toEqual([{ channel: thread.channel, thread_ts: thread.ts, text: 'Restarting the gateway now.' }]);
    expect([...graph.problems, ...slackApi.problems]).toEqual([]);
  } finally {
    await Promise.all([graph.stop(), slackApi.stop()]);
  }
});

test("a Member sees the customer's other ticket, inserts a saved reply, and merges the two tickets into one conversation", async ({
  page,
  signIn,
  organization,
  db,
}) => {
  const { support, customers } = await helpdeskOf(db, organization);
  const customer = `mo-${hex(3)}@client.example`;
  await customers.email({ from: customer, fromName: 'Mo Client', to: support, subject: 'First question', text: 'Where do I start?' });
  await stored(db, organization.id, 'Where do I start?');
  await customers.email({ from: customer, fromName: 'Mo Client', to: support, subject: 'Second question', text: 'And then?' });
  await stored(db, organization.id, 'And then?');
  const first = await db
    .selectFrom('tickets')
    .select(['id', 'number'])
    .where('org_id', '=', organization.id)
    .where('subject', '=', 'First question')
    .executeTakeFirstOrThrow();

  await signIn('Member');
  await page.goto('/inbox');
  await page.getByRole('link', { name: 'Second question' }).click();
  const panel = page.getByRole('complementary', { name: 'Customer' });
  await expect(panel.getByText(customer)).toBeVisible();
  await expect(panel.getByRole('region', { name: 'Other tickets' }).getByRole('link', { name: `#${first.number} First question` })).toBeVisible();

  await page.getByRole('button', { name: 'Manage saved replies' }).click();
  const manager = page.getByRole('dialog', { name: 'Saved replies' });
  await manager.getByRole('textbox', { name: 'Name of a new saved reply' }).fill('Getting started');
  await manager.getByRole('textbox', { name: 'Text' }).fill('Our guide walks you through it step by step.');
  await manager.getByRole('button', { name: 'Add saved reply' }).click();
  await expect(manager.getByRole('cell', { name: 'Getting started' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(manager).toHaveCount(0);
  await page.getByRole('combobox', { name: 'Insert a saved reply' }).click();
  await page.getByRole('option', { name: 'Getting started' }).click();
  await expect(page.getByRole('textbox', { name: 'Your reply' })).toHaveValue('Our guide walks you through it step by step.');

  await page.getByRole('button', { name: 'Merge…' }).click();
  const merge = page.getByRole('dialog', { name: /Merge #\d+ into another ticket/ });
  await merge.getByRole('textbox', { name: 'Merge into ticket number' }).fill(String(first.number));
  await merge.getByRole('button', { name: 'Merge' }).click();
  await expect(page).toHaveURL(new RegExp(`/tickets/${first.id}$`));
  await expect(page.getByRole('heading', { name: /First question/, level: 1 })).toBeVisible();
  await expect(page.getByRole('article', { name: /from the customer/ }).filter({ hasText: 'And then?' })).toBeVisible();
  await expect(page.getByRole('article', { name: /from the customer/ }).filter({ hasText: 'Where do I start?' })).toBeVisible();
});

test("a Dialpad voicemail plays from Relay's copy of the recording, with its transcription", async ({ page, signIn, organization, db }) => {
  const { dialpad } = await helpdeskOf(db, organization);
  const recording = Buffer.concat([Buffer.from('ID3'), randomBytes(64)]);
  const dialpadFiles = await new RecordingServer((_request, res) => void res.writeHead(200, { 'content-type': 'audio/mpeg' }).end(recording)).start();
  try {
    const call = { callId: `call-${hex(4)}`, caller: `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}` };
    for (const event of [
      { ...call, state: 'voicemail' },
      { ...call, state: 'voicemail_uploaded', voicemail_link: `${dialpadFiles.url}/vm/${call.callId}.mp3` },
      { ...call, state: 'transcription', transcription_text: 'Hi, please call me back about the invoice.' },
    ]) {
      expect((await dialpadEvent(dialpad, event)).status).toBe(200);
    }
    await signIn('Member');
    await page.goto('/inbox?channel=dialpad');
    await page.getByRole('link', { name: 'Voicemail from Val Voicemail' }).click();
    const voicemail = page.getByRole('article', { name: new RegExp(`${call.caller.replace('+', '\\+')}, from the customer`) });
    await expect(voicemail).toContainText('Transcription: Hi, please call me back about the invoice.');
    const player = voicemail.locator('audio[aria-label="Voicemail recording"]');
    await expect(player).toBeVisible();
    // The page may load media from Relay only: the player's source is Relay, which fetches Dialpad's file.
    const source = await player.getAttribute('src');
    expect(source).toMatch(/^\/api\/helpdesk\/tickets\/[0-9a-f-]+\/voicemail$/);
    const played = await page.request.get(source!);
    expect(played.status()).toBe(200);
    expect(played.headers()['content-type']).toBe('audio/mpeg');
    expect(Buffer.from(await played.body()).equals(recording)).toBe(true);
    expect(dialpadFiles.requests.map((request) => request.path)).toContain(`/vm/${call.callId}.mp3`);
  } finally {
    await dialpadFiles.stop();
  }
});

test('a Member starts a ticket by email: the customer gets the first message from the support address, and the ticket is in the inbox', async ({
  page,
  signIn,
  organization,
  db,
}) => {
  const { support } = await helpdeskOf(db, organization);
  const customer = `new-${hex(3)}@client.example`;
  await signIn('Member');
  await page.goto('/inbox');
  await page.getByRole('button', { name: 'New ticket' }).click();
  const form = page.getByRole('dialog', { name: 'New ticket' });
  await form.getByRole('textbox', { name: 'Customer email' }).fill(customer);
  await form.getByRole('textbox', { name: 'Customer name' }).fill('Nia New');
  await form.getByRole('textbox', { name: 'Subject' }).fill('Your order has shipped');
  await form.getByRole('textbox', { name: 'Message' }).fill('It should arrive on Friday.');
  await form.getByRole('button', { name: 'Start ticket' }).click();

  await expect(page.getByRole('heading', { name: /Your order has shipped/, level: 1 })).toBeVisible();
  const first = page.getByRole('article', { name: /reply/ });
  await expect(first).toContainText('It should arrive on Friday.');
  await expect(first.getByText('sent', { exact: true })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole('complementary', { name: 'Customer' }).getByText('Nia New')).toBeVisible();
  const held = (await sesStore()).filter((email) => email.destination.to.some((to) => to.includes(customer)));
  expect(held).toHaveLength(1);
  expect(held[0]!.from).toContain(support);
  expect(held[0]!.subject).toMatch(/^Your order has shipped \[Ticket #\d+\]$/);

  await page.getByRole('link', { name: 'Back to the inbox' }).click();
  await expect(page.getByRole('link', { name: 'Your order has shipped' })).toBeVisible();
});

test("a Viewer downloads the customer's attachment but cannot reply: no reply box, and a reply forged from their session is refused with 403 and sends nothing", async ({
  page,
  signIn,
  organization,
  db,
}) => {
  const { support, customers } = await helpdeskOf(db, organization);
  const customer = `val-${hex(3)}@client.example`;
  const receipt = 'Receipt 2041: 2 x USB-C cable, 19.80 EUR\n';
  await customers.email({
    from: customer,
    to: support,
    subject: 'Read only',
    text: 'Can a viewer answer?',
    attachments: [{ name: 'receipt.txt', contentType: 'text/plain', content: Buffer.from(receipt) }],
  });
  await stored(db, organization.id, 'Can a viewer answer?');
  await signIn('Viewer');
  await page.goto('/inbox');
  await page.getByRole('link', { name: 'Read only' }).click();
  await expect(page.getByRole('article', { name: /from the customer/ })).toContainText('Can a viewer answer?');
  // The customer's file downloads, for Viewers too.
  const downloading = page.waitForEvent('download');
  await page.getByRole('list', { name: 'Attachments' }).getByRole('link', { name: 'receipt.txt' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('receipt.txt');
  expect(await readFile(await download.path(), 'utf8')).toBe(receipt);
  await expect(page.getByRole('region', { name: 'Reply' })).toHaveCount(0);
  await expect(page.getByText('Viewers read tickets')).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Status' })).toHaveCount(0);

  const ticketId = page.url().split('/tickets/')[1]!;
  const forged = await page.request.post('/api/trpc/helpdesk.reply', {
    headers: { 'x-relay-csrf': '1' },
    data: { json: { ticketId, idempotencyKey: hex(8), body: 'Forged answer' } },
  });
  expect(forged.status()).toBe(403);
  const note = await page.request.post('/api/trpc/helpdesk.note', { headers: { 'x-relay-csrf': '1' }, data: { json: { ticketId, body: 'Forged note' } } });
  expect(note.status()).toBe(403);
  expect(await db.selectFrom('conversation_messages').select('id').where('ticket_id', '=', ticketId).execute()).toHaveLength(1);
  expect((await sesStore()).filter((email) => email.destination.to.some((to) => to.includes(customer)))).toEqual([]);
});

test('the inbox and a ticket work from the keyboard and at 390 px; a Viewer reads but has no reply box', async ({ page, signIn, organization, db }) => {
  const { support, customers } = await helpdeskOf(db, organization);
  await customers.email({ from: `vic-${hex(3)}@client.example`, to: support, subject: 'Keyboard ticket', text: 'Hello' });
  await stored(db, organization.id, 'Hello');
  await signIn('Viewer');
  await page.goto('/inbox');
  await expect(page.getByRole('button', { name: 'New ticket' })).toHaveCount(0);
  await page.getByRole('tab', { name: /All/ }).focus();
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByRole('tab', { name: /Pending/ })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByText('No tickets in this view.')).toBeVisible();
  await page.getByRole('tab', { name: /All/ }).click();
  await page.getByRole('textbox', { name: 'Search tickets' }).fill('Keyboard');
  await page.getByRole('link', { name: 'Keyboard ticket' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /Keyboard ticket/, level: 1 })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Reply' })).toHaveCount(0);

  await narrowToPhone(page);
  await expect(page.getByRole('complementary', { name: 'Customer' })).toBeVisible();
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  await page.goto('/inbox');
  await expect(page.getByRole('link', { name: 'Keyboard ticket' })).toBeVisible();
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
});
