import { Badge } from '@mantine/core';

const COLOR: Record<string, string> = {
  queued: 'gray',
  sent: 'blue',
  delivered: 'green',
  opened: 'teal',
  clicked: 'teal',
  bounced: 'red',
  complained: 'orange',
  failed: 'red',
  suppressed: 'yellow',
  delayed: 'yellow',
};

/** An email's (or one recipient's) status, coloured the same way everywhere. */
export function EmailStatusBadge({ status }: { status: string }) {
  return <Badge color={COLOR[status] ?? 'gray'}>{status}</Badge>;
}
