import { Button, Group, Modal, SegmentedControl, Stack, Textarea, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { ApiErrorAlert } from '../../components/api-error.js';
import { trpc } from '../../trpc.js';

/** An agent starts a conversation: the first message goes to the customer by email or SMS. */
export function NewTicket({ onClose }: { onClose: () => void }) {
  const navigate = useNavigate();
  const [channel, setChannel] = useState<'email' | 'sms'>('email');
  const [to, setTo] = useState('');
  const [name, setName] = useState('');
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  // One key per message written: a double click or a retry sends it once.
  const idempotencyKey = useRef(crypto.randomUUID());
  const start = useMutation(trpc.helpdesk.start.mutationOptions({ onSuccess: (ticket) => void navigate(`/tickets/${ticket.id}`) }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const common = { to: to.trim(), name: name.trim() || undefined, body };
    start.mutate({
      idempotencyKey: idempotencyKey.current,
      request: channel === 'email' ? { channel, ...common, subject } : { channel, ...common, subject: subject.trim() || undefined },
    });
  };

  return (
    <Modal opened onClose={onClose} title="New ticket" size="lg">
      <form onSubmit={submit}>
        <Stack gap="md">
          <SegmentedControl
            aria-label="Send by"
            value={channel}
            onChange={(value) => setChannel(value as 'email' | 'sms')}
            data={[
              { value: 'email', label: 'Email' },
              { value: 'sms', label: 'SMS' },
            ]}
          />
          <TextInput
            label={channel === 'email' ? 'Customer email' : 'Customer phone (E.164)'}
            placeholder={channel === 'email' ? 'jane@client.com' : '+15551234567'}
            required
            value={to}
            onChange={(event) => setTo(event.currentTarget.value)}
            data-autofocus
          />
          <TextInput label="Customer name" value={name} onChange={(event) => setName(event.currentTarget.value)} />
          <TextInput label="Subject" required={channel === 'email'} value={subject} onChange={(event) => setSubject(event.currentTarget.value)} />
          <Textarea label="Message" required autosize minRows={4} value={body} onChange={(event) => setBody(event.currentTarget.value)} />
          {start.isError && <ApiErrorAlert error={start.error} title="Not sent" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={start.isPending}>
              Start ticket
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
