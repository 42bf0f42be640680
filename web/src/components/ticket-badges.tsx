import { Badge } from '@mantine/core';

const CHANNELS: Record<string, string> = {
  email: 'Email',
  twilio: 'SMS',
  whatsapp: 'WhatsApp',
  messenger: 'Messenger',
  slack: 'Slack',
  dialpad: 'Voicemail',
  note: 'Note',
};

export const channelLabel = (channel: string) => CHANNELS[channel] ?? channel;

const STATUS_COLORS: Record<string, string> = { open: 'blue', pending: 'yellow', resolved: 'green', closed: 'gray' };
const PRIORITY_COLORS: Record<string, string> = { low: 'gray', normal: 'blue', high: 'orange', urgent: 'red' };
const REPLY_COLORS: Record<string, string> = { queued: 'gray', sent: 'blue', delivered: 'green', failed: 'red' };

export function ChannelBadge({ channel }: { channel: string }) {
  return (
    <Badge variant="outline" tt="none">
      {channelLabel(channel)}
    </Badge>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <Badge color={STATUS_COLORS[status] ?? 'gray'}>{status}</Badge>;
}

export function PriorityBadge({ priority }: { priority: string }) {
  return (
    <Badge variant="light" color={PRIORITY_COLORS[priority] ?? 'gray'}>
      {priority}
    </Badge>
  );
}

export function ReplyStatusBadge({ status }: { status: string }) {
  return (
    <Badge size="sm" variant="light" color={REPLY_COLORS[status] ?? 'gray'}>
      {status}
    </Badge>
  );
}
