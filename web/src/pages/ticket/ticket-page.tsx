import { Anchor, Button, Grid, Group, Modal, Select, Stack, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { TICKET_PRIORITIES, TICKET_STATUSES } from '../../../../src/db/tables/helpdesk.js';
import { ApiErrorAlert } from '../../components/api-error.js';
import { PageLoader } from '../../components/page-loader.js';
import { useCan } from '../../components/session.js';
import { ChannelBadge, PriorityBadge, StatusBadge } from '../../components/ticket-badges.js';
import { queryClient, trpc, type Inputs } from '../../trpc.js';
import { LIVE_REFRESH_MS } from '../../components/live-refresh.js';
import { CustomerPanel } from './customer-panel.js';
import { ReplyBox } from './reply-box.js';
import { Timeline, type Ticket } from './timeline.js';

type Change = Inputs['helpdesk']['update']['change'];

function MergeTicket({ ticket, onClose }: { ticket: Ticket; onClose: () => void }) {
  const navigate = useNavigate();
  const [into, setInto] = useState('');
  const merge = useMutation(trpc.helpdesk.merge.mutationOptions({ onSuccess: (merged) => void navigate(`/tickets/${merged.id}`) }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const number = Number(into);
    if (Number.isInteger(number) && number > 0) merge.mutate({ id: ticket.id, intoNumber: number });
  };
  return (
    <Modal opened onClose={onClose} title={`Merge #${ticket.number} into another ticket`}>
      <form onSubmit={submit}>
        <Stack gap="md">
          <Text size="sm">The whole conversation moves to the other ticket; this one is closed and points there.</Text>
          {/* A plain numeric field: Mantine's NumberInput brings react-number-format, past the first-load budget for one field. */}
          <TextInput
            label="Merge into ticket number"
            inputMode="numeric"
            pattern="[0-9]*"
            required
            value={into}
            onChange={(event) => setInto(event.currentTarget.value)}
            data-autofocus
          />
          {merge.isError && <ApiErrorAlert error={merge.error} title="Not merged" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={merge.isPending}>
              Merge
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Status, priority, assignee and tags: Members change them, everyone sees them. */
function TicketControls({ ticket }: { ticket: Ticket }) {
  const canWork = useCan('Member');
  const agents = useQuery(trpc.helpdesk.agents.queryOptions());
  const [merging, setMerging] = useState(false);
  const update = useMutation(
    trpc.helpdesk.update.mutationOptions({ onSuccess: (updated) => queryClient.setQueryData(trpc.helpdesk.ticket.queryKey({ id: ticket.id }), updated) }),
  );
  const change = (patch: Change) => update.mutate({ id: ticket.id, change: patch });

  if (!canWork) {
    return (
      <Group gap="xs" wrap="wrap" aria-label="Ticket state">
        <StatusBadge status={ticket.status} />
        <PriorityBadge priority={ticket.priority} />
        <Text size="sm">Assignee: {ticket.assignee?.name ?? ticket.assignee?.email ?? 'nobody'}</Text>
        {ticket.tags.length > 0 && <Text size="sm">Tags: {ticket.tags.join(', ')}</Text>}
      </Group>
    );
  }
  return (
    <Stack gap="xs">
      <Group gap="sm" wrap="wrap" align="flex-end">
        <Select
          label="Status"
          data={TICKET_STATUSES.map((status) => ({ value: status, label: status }))}
          value={ticket.status}
          onChange={(status) => status && change({ status: status as Ticket['status'] })}
          allowDeselect={false}
          w={140}
        />
        <Select
          label="Priority"
          data={TICKET_PRIORITIES.map((priority) => ({ value: priority, label: priority }))}
          value={ticket.priority}
          onChange={(priority) => priority && change({ priority: priority as Ticket['priority'] })}
          allowDeselect={false}
          w={140}
        />
        <Select
          label="Assignee"
          placeholder="Unassigned"
          data={(agents.data ?? []).map((agent) => ({ value: agent.id, label: agent.name ?? agent.email ?? agent.id }))}
          value={ticket.assignee?.id ?? null}
          onChange={(assignee) => change({ assignee })}
          clearable
          searchable
          w={220}
        />
        <TagsInput label="Tags" value={ticket.tags} onChange={(tags) => change({ tags })} w={260} clearable />
        <Button variant="default" onClick={() => setMerging(true)} disabled={ticket.mergedInto !== null}>
          Merge…
        </Button>
      </Group>
      {update.isError && <ApiErrorAlert error={update.error} title="Not changed" />}
      {merging && <MergeTicket ticket={ticket} onClose={() => setMerging(false)} />}
    </Stack>
  );
}

/**
 * One ticket: the whole conversation across channels, the reply box and the customer
 * beside it. It asks for news every few seconds, so a customer's answer appears by itself.
 */
export function Page() {
  const { id = '' } = useParams();
  const canWork = useCan('Member');
  const ticket = useQuery({ ...trpc.helpdesk.ticket.queryOptions({ id }), refetchInterval: LIVE_REFRESH_MS });

  if (ticket.isPending) return <PageLoader label="Loading the ticket" />;
  if (ticket.isError) {
    return (
      <Stack gap="md">
        <Anchor component={Link} to="/inbox">
          Back to the inbox
        </Anchor>
        <ApiErrorAlert error={ticket.error} title="The ticket did not load" onRetry={() => void ticket.refetch()} />
      </Stack>
    );
  }
  const data = ticket.data;
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/inbox" size="sm">
        Back to the inbox
      </Anchor>
      <Group gap="sm" wrap="wrap">
        <Title order={1} style={{ overflowWrap: 'anywhere' }}>
          #{data.number} {data.subject}
        </Title>
        <ChannelBadge channel={data.channel} />
      </Group>
      {data.mergedInto && (
        <Text size="sm">
          Merged into{' '}
          <Anchor component={Link} to={`/tickets/${data.mergedInto}`}>
            another ticket
          </Anchor>
          .
        </Text>
      )}
      <TicketControls ticket={data} />
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Stack gap="md">
            <Timeline ticket={data} />
            {canWork && !data.mergedInto && <ReplyBox ticket={data} />}
            {!canWork && (
              <Text size="sm" c="dimmed">
                Viewers read tickets; replies, notes and changes are for Members and Admins.
              </Text>
            )}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          {data.customer ? <CustomerPanel customerId={data.customer.id} ticketId={data.id} /> : <Text c="dimmed">No customer on this ticket.</Text>}
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
