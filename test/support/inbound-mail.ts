import { createHmac, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';

/** Raw MIME messages written for the tests, one per case the classifier and threader must handle. */
export const mime = {
  plain(o: {
    from: string;
    to: string;
    subject: string;
    text: string;
    messageId?: string;
    inReplyTo?: string;
    references?: string[];
    extraHeaders?: string[];
  }) {
    return [
      `From: ${o.from}`,
      `To: ${o.to}`,
      `Subject: ${o.subject}`,
      `Date: Thu, 26 Nov 2026 10:00:00 +0000`,
      `Message-ID: ${o.messageId ?? `<${randomUUID()}@client.example>`}`,
      ...(o.inReplyTo ? [`In-Reply-To: ${o.inReplyTo}`] : []),
      ...(o.references ? [`References: ${o.references.join(' ')}`] : []),
      ...(o.extraHeaders ?? []),
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      o.text,
      '',
    ].join('\r\n');
  },
  htmlWithAttachment(o: { from: string; to: string; subject: string; messageId?: string }) {
    const boundary = `b-${randomBytes(6).toString('hex')}`;
    return [
      `From: ${o.from}`,
      `To: ${o.to}`,
      `Subject: ${o.subject}`,
      `Message-ID: ${o.messageId ?? `<${randomUUID()}@client.example>`}`,
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>See the <b>attached</b> log.</p>',
      `--${boundary}`,
      'Content-Type: text/plain; name="error.log"',
      'Content-Disposition: attachment; filename="error.log"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('ERROR disk full\n').toString('base64'),
      `--${boundary}--`,
      '',
    ].join('\r\n');
  },
  latin1(o: { from: string; to: string; subject: string }) {
    return [
      `From: ${o.from}`,
      `To: ${o.to}`,
      `Subject: =?ISO-8859-1?Q?${o.subject}?=`,
      `Message-ID: <${randomUUID()}@client.example>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=ISO-8859-1',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Gr=FC=DFe aus K=F6ln',
      '',
    ].join('\r\n');
  },
  deliveryStatus(o: { to: string; failedRecipients: string[]; originalMessageId: string }) {
    const boundary = `r-${randomBytes(6).toString('hex')}`;
    return [
      'From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>',
      `To: ${o.to}`,
      'Subject: Undelivered Mail Returned to Sender',
      `Message-ID: <${randomUUID()}@mx.example.org>`,
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      `--${boundary}`,
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.org',
      '',
      ...o.failedRecipients.flatMap((recipient) => [
        `Final-Recipient: rfc822; ${recipient}`,
        'Action: failed',
        'Status: 5.1.1',
        'Diagnostic-Code: smtp; 550 5.1.1 user unknown',
        '',
      ]),
      `--${boundary}`,
      'Content-Type: text/rfc822-headers',
      '',
      `Message-ID: ${o.originalMessageId}`,
      'Subject: Your invoice',
      `--${boundary}--`,
      '',
    ].join('\r\n');
  },
};

/** A realistic SES message id and the Message-ID header SES gives the mail. */
export function sesMessageId(): { id: string; header: string } {
  const hex = (n: number) => randomBytes(n).toString('hex');
  const id = `${hex(8)}-${hex(4)}-${hex(2)}-${hex(2)}-${hex(2)}-${hex(6)}-000000`;
  return { id, header: `<${id}@email.amazonses.com>` };
}

/** A body and its content type, built by the platform's own FormData encoder. */
export async function multipart(fields: Record<string, string>, files: { field: string; filename: string; type: string; content: Buffer }[] = []) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const file of files) form.append(file.field, new Blob([file.content], { type: file.type }), file.filename);
  const request = new Request('http://encode.invalid/', { method: 'POST', body: form });
  return { body: Buffer.from(await request.arrayBuffer()), contentType: request.headers.get('content-type')! };
}

/** Mailgun's route-forward fields, signed as Mailgun signs: HMAC-SHA256(key, timestamp + token). */
export function mailgunSignature(signingKey: string, timestamp = String(Math.floor(Date.now() / 1000)), token = randomBytes(25).toString('hex')) {
  return {
    timestamp,
    token,
    signature: createHmac('sha256', signingKey)
      .update(timestamp + token)
      .digest('hex'),
  };
}

/** A P-256 key pair as SendGrid's signed webhooks use; the public key in the PEM SendGrid's verifier reads. */
export function sendgridKeys() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
}

/** SendGrid's signature: ECDSA (SHA-256) over timestamp + body, DER, base64. */
export function sendgridSign(privateKey: ReturnType<typeof sendgridKeys>['privateKey'], body: Buffer, timestamp = String(Math.floor(Date.now() / 1000))) {
  return { timestamp, signature: sign('sha256', Buffer.concat([Buffer.from(timestamp), body]), privateKey).toString('base64') };
}
