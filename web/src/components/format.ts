const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const shortDateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' });
const hour = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });

/** A server timestamp (ISO 8601) in the reader's locale and time zone. */
export function formatDateTime(iso: string): string {
  return dateTime.format(new Date(iso));
}

/** The same, shorter, for table cells. */
export function formatShortDateTime(iso: string): string {
  return shortDateTime.format(new Date(iso));
}

/** The hour of day of a timestamp, as a chart axis shows it. */
export function formatHour(iso: string): string {
  return hour.format(new Date(iso));
}

/** A share (0 to 1) as a percentage; no share (nothing to divide by) is a dash. */
export function formatRate(share: number | null): string {
  return share === null ? '—' : percent.format(share);
}

/** A byte count people can read. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
