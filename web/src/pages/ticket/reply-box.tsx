import { Alert, Button, Group, Paper, SegmentedControl, Select, Stack, Text, Textarea } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent, type KeyboardEvent } from 'react';
import { ApiErrorAlert } from '../../components/api-error.js';
import { formatDateTime } from '../../components/format.js';
import { queryClient, trpc } from '../../trpc.js';
import { SavedRepliesManager } from './saved-replies.js';
import type { Ticket } from './timeline.js';

type Mode = 'reply' | 'note';
type ReplyOption = Ticket['replyChannels'][number];

/**
 * WhatsApp and Messenger take a free-form reply only within 24 hours of the customer's last
 * message there (templates are out of scope): the box says until when, or since when not.
 */
function ReplyWindowNotice({ option }: { option: ReplyOption }) {
  if (!option.windowClosesAt) return null;
  const closesAt = formatDateTime(option.windowClosesAt);
  if (option.available) {
    return (
      <Alert color="blue" variant="light" title={`${option.label}: 24-hour reply window open until ${closesAt}`}>
        {option.label} accepts a reply only within 24 hours of the customer's last message there. After {closesAt}, answer on another channel or wait for the
        customer to write again.
      </Alert>
    );
  }
  return (
    <Alert color="orange" variant="light" title={`${option.label}: the 24-hour reply window closed at ${closesAt}`}>
      {option.reason}
    </Alert>
  );
}

/**
 * Writes to the customer on the channel of their last message (or the one picked), or a
 * private note for the team. Saved replies are inserted at the end of the text.
 */
export function ReplyBox({ ticket }: { ticket: Ticket }) {
  const [mode, setMode] = useState<Mode>('reply');
  const [body, setBody] = useState('');
  const [picked, setPicked] = useState<string | null>(null);
  const [managing, setManaging] = useState(false);
  // One key per message written: a double click or a retried request sends it once.
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());
  const savedReplies = useQuery(trpc.helpdesk.savedReplies.queryOptions());
  const channel = picked ?? ticket.preferredChannel;
  const usable = ticket.replyChannels.filter((option) => option.available);
  // The window of the channel picked, else of every WhatsApp or Messenger conversation whose window closed.
  const windows = ticket.replyChannels.filter((option) => option.windowClosesAt && (option.channel === channel || !option.available));

  const sent = () => {
    setBody('');
    setIdempotencyKey(crypto.randomUUID());
    void queryClient.invalidateQueries({ queryKey: trpc.helpdesk.ticket.queryKey({ id: ticket.id }) });
  };
  const reply = useMutation(trpc.helpdesk.reply.mutationOptions({ onSuccess: sent }));
  const note = useMutation(trpc.helpdesk.note.mutationOptions({ onSuccess: sent }));
  const saving = mode === 'reply' ? reply : note;

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!body.trim()) return;
    if (mode === 'note') note.mutate({ ticketId: ticket.id, body });
    else if (channel) reply.mutate({ ticketId: ticket.id, idempotencyKey, body, channel: channel as 'email' });
  };
  // Ctrl+Enter (⌘+Enter) sends, as in most helpdesks.
  const sendOnCtrlEnter = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) submit();
  };

  return (
    <Paper withBorder p="sm" radius="md" component="section" aria-label="Reply" bg={mode === 'note' ? 'yellow.0' : undefined}>
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Group justify="space-between" wrap="wrap">
            <SegmentedControl
              aria-label="Write"
              value={mode}
              onChange={(value) => setMode(value as Mode)}
              data={[
                { value: 'reply', label: 'Reply to customer' },
                { value: 'note', label: 'Private note' },
              ]}
            />
            <Group gap="xs" wrap="wrap">
              <Select
                aria-label="Insert a saved reply"
                placeholder={savedReplies.data?.length ? 'Insert a saved reply' : 'No saved replies yet'}
                data={(savedReplies.data ?? []).map((saved) => ({ value: saved.id, label: saved.name }))}
                value={null}
                onChange={(id) => {
                  const saved = savedReplies.data?.find((entry) => entry.id === id);
                  if (saved) setBody((current) => (current.trim() ? `${current.trimEnd()}\n\n${saved.body}` : saved.body));
                }}
                searchable
                w={220}
              />
              <Button variant="subtle" size="xs" onClick={() => setManaging(true)}>
                Manage saved replies
              </Button>
            </Group>
          </Group>
          {mode === 'reply' &&
            (usable.length > 0 ? (
              <Select
                label="Send on"
                data={ticket.replyChannels.map((option) => ({
                  value: option.channel,
                  label: option.available ? `${option.label} to ${option.recipient}` : `${option.label} (${option.reason})`,
                  disabled: !option.available,
                }))}
                value={channel}
                onChange={setPicked}
                placeholder="Choose a channel"
                allowDeselect={false}
                maw={520}
              />
            ) : (
              <Text size="sm" c="red" role="alert">
                No channel can reach this customer: {ticket.replyChannels.map((option) => `${option.label}: ${option.reason}`).join('; ')}
              </Text>
            ))}
          {mode === 'reply' && windows.map((option) => <ReplyWindowNotice key={option.channel} option={option} />)}
          <Textarea
            label={mode === 'reply' ? 'Your reply' : 'Note for the team'}
            description={mode === 'note' ? 'Only your team sees notes.' : 'Ctrl+Enter sends.'}
            autosize
            minRows={4}
            maxRows={16}
            value={body}
            onChange={(event) => setBody(event.currentTarget.value)}
            onKeyDown={sendOnCtrlEnter}
          />
          {saving.isError && <ApiErrorAlert error={saving.error} title={mode === 'reply' ? 'Not sent' : 'Not saved'} />}
          <Group justify="flex-end">
            <Button type="submit" loading={saving.isPending} disabled={!body.trim() || (mode === 'reply' && !channel)}>
              {mode === 'reply' ? 'Send reply' : 'Add note'}
            </Button>
          </Group>
        </Stack>
      </form>
      {managing && <SavedRepliesManager onClose={() => setManaging(false)} />}
    </Paper>
  );
}
