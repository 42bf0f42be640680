import { z } from 'zod';
import type { Domain } from '../db/tables/domains.js';

// A host name of at least two labels whose last label (the TLD) starts with a letter;
// underscores are refused (they are for service records, never for a sending domain).
const HOST_NAME = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A sending domain as organizations type it: case and a trailing dot do not matter. */
export const domainName = z
  .string()
  .trim()
  .toLowerCase()
  .transform((name) => name.replace(/\.$/, ''))
  .refine((name) => HOST_NAME.test(name), 'must be a domain name such as example.com')
  // HOST_NAME as typed: any case, a trailing dot, spaces around.
  .meta({
    pattern: '^\\s*(?=\\S{3,252}[^\\s.]\\.?\\s*$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.?\\s*$',
  });

/** One label: the custom MAIL FROM domain is `<label>.<domain>`. */
export const mailFromLabel = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be one DNS label, such as "bounce"');

export type RecordStatus = 'pending' | 'verified' | 'failed' | 'missing' | 'found';

export interface DnsRecord {
  purpose: 'dkim' | 'mail_from_mx' | 'mail_from_spf' | 'dmarc';
  type: 'CNAME' | 'MX' | 'TXT';
  name: string;
  value: string;
  /** MX only. */
  priority?: number;
  /** Needed for the domain to verify; DMARC is a recommendation. */
  required: boolean;
  status: RecordStatus;
}

/**
 * The records an organization publishes for a domain, each with where it stands: the
 * three Easy DKIM CNAMEs (SES reports one DKIM status for all three), the custom MAIL
 * FROM's MX and SPF records when one was asked for, and a DMARC policy to start with.
 */
export function dnsRecordsOf(domain: Domain, region: string): DnsRecord[] {
  const records: DnsRecord[] = domain.dkim_tokens.map((token) => ({
    purpose: 'dkim',
    type: 'CNAME',
    name: `${token}._domainkey.${domain.name}`,
    value: `${token}.dkim.amazonses.com`,
    required: true,
    status: domain.dkim_status,
  }));
  if (domain.mail_from_domain) {
    const status = domain.mail_from_status ?? 'pending';
    records.push(
      {
        purpose: 'mail_from_mx',
        type: 'MX',
        name: domain.mail_from_domain,
        value: `feedback-smtp.${region}.amazonses.com`,
        priority: 10,
        required: true,
        status,
      },
      { purpose: 'mail_from_spf', type: 'TXT', name: domain.mail_from_domain, value: 'v=spf1 include:amazonses.com ~all', required: true, status },
    );
  }
  // p=none first: reports arrive, nothing is rejected; tighten once they look right.
  records.push({
    purpose: 'dmarc',
    type: 'TXT',
    name: `_dmarc.${domain.name}`,
    value: `v=DMARC1; p=none; rua=mailto:dmarc-reports@${domain.name}`,
    required: false,
    status: domain.dmarc_status,
  });
  return records;
}

/** The domain of a mailbox (`a@b.example` or `Name <a@b.example>`), lower case. */
export function domainOfMailbox(mailbox: string): string {
  const address = /<([^<>]+)>\s*$/.exec(mailbox)?.[1] ?? mailbox;
  return address
    .slice(address.lastIndexOf('@') + 1)
    .trim()
    .toLowerCase();
}

/** The verified domain that covers `domain`: the domain itself or one of its parents (SES allows subdomains). */
export function coveringDomain(domain: string, verified: readonly string[]): string | undefined {
  return verified.find((name) => domain === name || domain.endsWith(`.${name}`));
}

/** Whether a TXT record at `_dmarc.<domain>` is a DMARC policy. */
export function isDmarcRecord(txt: string): boolean {
  return /^v=DMARC1\s*(;|$)/i.test(txt.trim());
}
