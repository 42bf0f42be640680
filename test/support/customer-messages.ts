import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import twilio from 'twilio';

/**
 * Customers writing in on each channel, as each provider signs its webhooks: what opens and
 * continues helpdesk tickets in the tests.
 */
export interface CustomerChannels {
  apiUrl: string;
  publicUrl: string;
  postmarkToken: string;
  twilio: { number: string; authToken: string };
  whatsapp: { phoneNumberId: string; appSecret: string };
  messenger: { pageId: string; appSecret: string };
  slack: { address: string; signingSecret: string };
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const metaSignature = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

async function post(url: string, body: string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers, body });
  await response.arrayBuffer();
  return response.status;
}

export function customerChannels(config: CustomerChannels) {
  return {
    /** An email through Postmark's inbound webhook; returns its Message-ID. */
    async email(o: {
      from: string;
      fromName?: string;
      to: string;
      subject: string;
      text: string;
      inReplyTo?: string;
      cc?: string;
      originalRecipient?: string;
      attachments?: { name: string; contentType: string; content: Buffer }[];
    }) {
      const messageId = randomUUID();
      const status = await post(
        `${config.apiUrl}/api/webhooks/inbound-email`,
        JSON.stringify({
          From: o.from,
          FromName: o.fromName ?? '',
          FromFull: { Email: o.from, Name: o.fromName ?? '' },
          To: o.to,
          ...(o.cc ? { Cc: o.cc } : {}),
          ...(o.originalRecipient ? { OriginalRecipient: o.originalRecipient } : {}),
          Subject: o.subject,
          TextBody: o.text,
          ...(o.attachments
            ? {
                Attachments: o.attachments.map((file) => ({
                  Name: file.name,
                  ContentType: file.contentType,
                  Content: file.content.toString('base64'),
                  ContentLength: file.content.length,
                })),
              }
            : {}),
          MessageID: messageId,
          Headers: o.inReplyTo
            ? [
                { Name: 'In-Reply-To', Value: o.inReplyTo },
                { Name: 'References', Value: o.inReplyTo },
              ]
            : [],
        }),
        { 'content-type': 'application/json', 'x-postmark-token': config.postmarkToken },
      );
      return { status, messageId: `<${messageId}>` };
    },

    /** An SMS to the organization's Twilio number; returns its MessageSid. */
    async sms(from: string, body: string) {
      const params = { From: from, To: config.twilio.number, Body: body, MessageSid: `SM${hex(16)}`, NumMedia: '0', AccountSid: `AC${hex(16)}` };
      const signature = twilio.getExpectedTwilioSignature(config.twilio.authToken, `${config.publicUrl}/api/webhooks/sms`, params);
      const status = await post(`${config.apiUrl}/api/webhooks/sms`, new URLSearchParams(params).toString(), {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signature,
      });
      return { status, sid: params.MessageSid };
    },

    /** Twilio's status callback for an SMS sent from the organization's number. */
    async smsStatus(o: { sid: string; to: string; status: string; errorCode?: string }) {
      const params: Record<string, string> = {
        MessageSid: o.sid,
        MessageStatus: o.status,
        From: config.twilio.number,
        To: o.to,
        AccountSid: `AC${hex(16)}`,
        ...(o.errorCode ? { ErrorCode: o.errorCode } : {}),
      };
      const signature = twilio.getExpectedTwilioSignature(config.twilio.authToken, `${config.publicUrl}/api/webhooks/sms/status`, params);
      return post(`${config.apiUrl}/api/webhooks/sms/status`, new URLSearchParams(params).toString(), {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signature,
      });
    },

    /** A WhatsApp Cloud API batch (messages or statuses) for the organization's number. */
    async whatsapp(value: Record<string, unknown>) {
      const body = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: 'WABA',
            changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: config.whatsapp.phoneNumberId }, ...value } }],
          },
        ],
      });
      return post(`${config.apiUrl}/api/webhooks/whatsapp`, body, {
        'content-type': 'application/json',
        'x-hub-signature-256': metaSignature(config.whatsapp.appSecret, body),
      });
    },

    async whatsappText(waId: string, text: string) {
      const id = `wamid.${hex(12)}`;
      const status = await this.whatsapp({
        contacts: [{ wa_id: waId, profile: { name: 'Wanda' } }],
        messages: [{ id, from: waId, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }],
      });
      return { status, id };
    },

    /** A Messenger batch for the organization's page (a message, or a delivery event). */
    async messenger(event: Record<string, unknown>) {
      const body = JSON.stringify({ object: 'page', entry: [{ id: config.messenger.pageId, time: Date.now(), messaging: [event] }] });
      return post(`${config.apiUrl}/api/webhooks/messenger`, body, {
        'content-type': 'application/json',
        'x-hub-signature-256': metaSignature(config.messenger.appSecret, body),
      });
    },

    async messengerText(psid: string, text: string) {
      const mid = `m_${hex(12)}`;
      const status = await this.messenger({
        sender: { id: psid },
        recipient: { id: config.messenger.pageId },
        timestamp: Date.now(),
        message: { mid, text },
      });
      return { status, mid };
    },

    /** A person's message in the linked Slack channel, starting a thread. */
    async slack(user: string, text: string) {
      const [team, channel] = config.slack.address.split(':') as [string, string];
      const ts = `${Math.floor(Date.now() / 1000)}.${hex(3)}`;
      const body = JSON.stringify({
        type: 'event_callback',
        team_id: team,
        event_id: `Ev${hex(6)}`,
        event: { type: 'message', channel, user, text, ts },
      });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = `v0=${createHmac('sha256', config.slack.signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
      const status = await post(`${config.apiUrl}/api/webhooks/slack`, body, {
        'content-type': 'application/json',
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': signature,
      });
      return { status, channel, ts };
    },
  };
}
