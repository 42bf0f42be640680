import { Anchor, Group, List, Paper, Stack, Text } from '@mantine/core';
import { formatDateTime } from '../../components/format.js';
import { ChannelBadge, ReplyStatusBadge } from '../../components/ticket-badges.js';
import type { Outputs } from '../../trpc.js';

export type Ticket = Outputs['helpdesk']['ticket'];
type Entry = Ticket['timeline'][number];

const KIND_LABEL = { inbound: 'from the customer', outbound: 'reply', note: 'private note' } as const;

const kiloBytes = (size: number) => (size < 1024 ? `${size} B` : `${Math.ceil(size / 1024)} KB`);

function who(entry: Entry): string {
  if (entry.kind === 'inbound') return entry.from ?? 'Customer';
  return entry.author?.name ?? entry.author?.email ?? (entry.kind === 'note' ? 'Note' : 'Relay API');
}

function ReplyProgress({ reply }: { reply: NonNullable<Entry['reply']> }) {
  return (
    <Group gap="xs" wrap="wrap">
      <ReplyStatusBadge status={reply.status} />
      <Text size="xs" c="dimmed">
        to {reply.recipient}
      </Text>
      {reply.failureReason && (
        <Text size="xs" c="red">
          {reply.failureReason}
        </Text>
      )}
      {reply.lastError && (
        <Text size="xs" c="orange">
          Retrying: {reply.lastError}
        </Text>
      )}
    </Group>
  );
}

/** One conversation entry: who wrote it, on which channel, its text, files, voicemail and (for replies) how far it got. */
function TimelineEntry({ entry }: { entry: Entry }) {
  const note = entry.kind === 'note';
  return (
    <Paper
      component="article"
      aria-label={`${who(entry)}, ${KIND_LABEL[entry.kind]}, ${formatDateTime(entry.createdAt)}`}
      withBorder
      p="sm"
      radius="md"
      bg={note ? 'yellow.0' : entry.kind === 'outbound' ? 'blue.0' : undefined}
      ml={entry.kind === 'inbound' ? 0 : { base: 0, sm: 'xl' }}
      mr={entry.kind === 'inbound' ? { base: 0, sm: 'xl' } : 0}
    >
      <Stack gap={6}>
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Group gap="xs" wrap="wrap">
            <Text fw={600} size="sm" style={{ wordBreak: 'break-all' }}>
              {who(entry)}
            </Text>
            {note ? (
              <Text size="xs" c="yellow.9">
                Private note: never sent
              </Text>
            ) : (
              <ChannelBadge channel={entry.channel} />
            )}
          </Group>
          <Text size="xs" c="dimmed">
            {formatDateTime(entry.createdAt)}
          </Text>
        </Group>
        {entry.subject && entry.channel === 'email' && (
          <Text size="sm" fw={500}>
            {entry.subject}
          </Text>
        )}
        {entry.voicemail ? (
          <Stack gap={4}>
            {entry.voicemail.audioUrl ? (
              <audio controls preload="none" src={entry.voicemail.audioUrl} aria-label="Voicemail recording">
                <a href={entry.voicemail.audioUrl}>Download the recording</a>
              </audio>
            ) : (
              <Text size="sm" c="dimmed">
                No recording was available.
              </Text>
            )}
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              <Text span fw={500}>
                Transcription:{' '}
              </Text>
              {entry.voicemail.transcription ?? 'No transcription was available.'}
            </Text>
          </Stack>
        ) : (
          <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
            {entry.text ?? ''}
          </Text>
        )}
        {entry.attachments.length > 0 && (
          <List size="sm" aria-label="Attachments">
            {entry.attachments.map((file) => (
              <List.Item key={file.url}>
                <Anchor href={file.url} download={file.name}>
                  {file.name}
                </Anchor>{' '}
                <Text span size="xs" c="dimmed">
                  ({kiloBytes(file.size)})
                </Text>
              </List.Item>
            ))}
          </List>
        )}
        {entry.reply && <ReplyProgress reply={entry.reply} />}
      </Stack>
    </Paper>
  );
}

/** The whole conversation across channels, oldest first, as one timeline. */
export function Timeline({ ticket }: { ticket: Ticket }) {
  if (ticket.timeline.length === 0) {
    return (
      <Text c="dimmed" size="sm">
        {ticket.mergedInto ? 'This ticket was merged: its conversation is in the other ticket.' : 'No messages yet.'}
      </Text>
    );
  }
  return (
    <Stack gap="sm" component="section" aria-label="Conversation">
      {ticket.timeline.map((entry) => (
        <TimelineEntry key={entry.id} entry={entry} />
      ))}
    </Stack>
  );
}
