import { ensureSuccess, type HttpClient } from './http.js';

/** One organization's usage for one UTC day, as Relay reports it to Books (docs/integrations.md). */
export interface UsageReport {
  org_id: string;
  date: string;
  product: 'relay';
  metric: 'emails_sent';
  /** Emails sent (accepted by SES). */
  quantity: number;
  /** Their recipients (to, cc and bcc SES took): SES bills per recipient. Added beside the original fields. */
  recipients: number;
}

export interface BooksClient {
  reportUsage(report: UsageReport): Promise<void>;
}

export const usageIdempotencyKey = (orgId: string, date: string): string => `relay-usage:${orgId}:${date}`;

export function createBooksClient(http: HttpClient, books: { url: string; integrationKey: string | undefined }): BooksClient {
  const endpoint = `${books.url.replace(/\/+$/, '')}/usage`;
  return {
    async reportUsage(report) {
      const response = await http.request({
        method: 'POST',
        url: endpoint,
        headers: {
          'content-type': 'application/json',
          'idempotency-key': usageIdempotencyKey(report.org_id, report.date),
          ...(books.integrationKey ? { 'x-integration-key': books.integrationKey } : {}),
        },
        body: JSON.stringify(report),
      });
      ensureSuccess(response, 'Books');
    },
  };
}
