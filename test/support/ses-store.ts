/** What the SES emulator received, as its /store lists it. */
export interface StoredEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { html?: string; text?: string };
  attachments: { content: string; contentType: string; filename?: string; size: number }[];
  headers?: { name: string; value: string }[];
}

export async function sesEmails(sesUrl: string): Promise<StoredEmail[]> {
  const response = await fetch(`${sesUrl}/store`);
  const store = (await response.json()) as { emails: StoredEmail[] };
  return store.emails;
}

/** The emails the emulator holds that were sent to `address` (tests use unique addresses). */
export async function sesEmailsTo(sesUrl: string, address: string): Promise<StoredEmail[]> {
  return (await sesEmails(sesUrl)).filter((email) =>
    [...email.destination.to, ...email.destination.cc, ...email.destination.bcc].some((to) => to.includes(address)),
  );
}
