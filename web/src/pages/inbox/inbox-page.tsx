import { Anchor, Badge, Button, Group, Select, Stack, Tabs, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { DataTable } from 'mantine-datatable';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ApiErrorAlert } from '../../components/api-error.js';
import { LIVE_REFRESH_MS } from '../../components/live-refresh.js';
import { formatDateTime } from '../../components/format.js';
import { useCan } from '../../components/session.js';
import { TICKET_CHANNELS, TICKET_STATUSES } from '../../../../src/db/tables/helpdesk.js';
import { ChannelBadge, channelLabel, PriorityBadge, StatusBadge } from '../../components/ticket-badges.js';
import { trpc, type Outputs } from '../../trpc.js';
import { NewTicket } from './new-ticket.js';

type Row = Outputs['helpdesk']['inbox']['tickets'][number];

const VIEWS = [
  { value: 'mine', label: 'Mine' },
  { value: 'unassigned', label: 'Unassigned' },
  { value: 'open', label: 'Open' },
  { value: 'pending', label: 'Pending' },
  { value: 'all', label: 'All' },
] as const;
type View = (typeof VIEWS)[number]['value'];

/**
 * The helpdesk inbox: the organization's tickets by view (mine, unassigned, open, pending,
 * all) with counts, searched by customer, subject and conversation text and filtered by
 * status, assignee, channel and tag, newest activity first, a keyset page at a time.
 */
export function Page() {
  const canWork = useCan('Member');
  const [params, setParams] = useSearchParams();
  const view = (VIEWS.find((entry) => entry.value === params.get('view'))?.value ?? 'all') as View;
  const channel = TICKET_CHANNELS.find((entry) => entry === params.get('channel'));
  const tag = params.get('tag') ?? undefined;
  const status = TICKET_STATUSES.find((entry) => entry === params.get('status'));
  const assignee = params.get('assignee') ?? undefined;
  const [search, setSearch] = useState(params.get('q') ?? '');
  const [debouncedSearch] = useDebouncedValue(search.trim(), 300);
  const [starting, setStarting] = useState(false);

  // The counts follow the search, tag and channel, so each tab says what it would show.
  const counts = useQuery({
    ...trpc.helpdesk.counts.queryOptions({ search: debouncedSearch || undefined, channel, tag }),
    refetchInterval: LIVE_REFRESH_MS,
    // The previous filter's counts stay until the new ones arrive, rather than the badges blinking out.
    placeholderData: (previous) => previous,
  });
  const tags = useQuery(trpc.helpdesk.tags.queryOptions());
  const agents = useQuery(trpc.helpdesk.agents.queryOptions());
  const tickets = useInfiniteQuery({
    ...trpc.helpdesk.inbox.infiniteQueryOptions(
      { view, search: debouncedSearch || undefined, channel, tag, status, assignee, limit: 25 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
    refetchInterval: LIVE_REFRESH_MS,
  });
  const rows = tickets.data?.pages.flatMap((page) => page.tickets) ?? [];

  // The view and filters live in the address, so a filtered inbox can be bookmarked and shared.
  const choose = (name: 'view' | 'channel' | 'tag' | 'status' | 'assignee', value: string | null) => {
    const query = new URLSearchParams(params);
    if (value) query.set(name, value);
    else query.delete(name);
    setParams(query, { replace: true });
  };
  const filtered = Boolean(debouncedSearch || channel || tag || status || assignee);

  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="wrap">
        <div>
          <Title order={1}>Inbox</Title>
          <Text size="sm" c="dimmed">
            Every customer conversation, whatever channel it came on. New messages show here as they arrive.
          </Text>
        </div>
        {canWork && <Button onClick={() => setStarting(true)}>New ticket</Button>}
      </Group>

      <Tabs value={view} onChange={(next) => choose('view', next ?? 'all')} keepMounted={false}>
        <Tabs.List aria-label="Inbox views">
          {VIEWS.map((entry) => (
            <Tabs.Tab key={entry.value} value={entry.value} rightSection={counts.data ? <Badge variant="light">{counts.data[entry.value]}</Badge> : undefined}>
              {entry.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>

      <Group gap="sm" align="flex-end" wrap="wrap">
        <TextInput
          label="Search tickets"
          description="Customer name, email or phone, subject, or words in the conversation"
          placeholder="printer, jane@client.com, +1555…"
          value={search}
          onChange={(event) => setSearch(event.currentTarget.value)}
          w={{ base: '100%', sm: 420 }}
        />
        <Select
          label="Status"
          placeholder="As in the view"
          data={[...TICKET_STATUSES]}
          value={status ?? null}
          onChange={(value) => choose('status', value)}
          clearable
          w={{ base: '100%', xs: 150 }}
        />
        <Select
          label="Assignee"
          placeholder="As in the view"
          data={(agents.data ?? []).map((agent) => ({ value: agent.id, label: agent.name ?? agent.email ?? agent.id }))}
          value={assignee ?? null}
          onChange={(value) => choose('assignee', value)}
          searchable
          clearable
          w={{ base: '100%', xs: 200 }}
        />
        <Select
          label="Channel"
          placeholder="Any channel"
          data={TICKET_CHANNELS.map((value) => ({ value, label: channelLabel(value) }))}
          value={channel ?? null}
          onChange={(value) => choose('channel', value)}
          clearable
          w={{ base: '100%', xs: 180 }}
        />
        <Select
          label="Tag"
          placeholder={tags.data?.length ? 'Any tag' : 'No tags yet'}
          data={tags.data ?? []}
          value={tag ?? null}
          onChange={(value) => choose('tag', value)}
          searchable
          clearable
          w={{ base: '100%', xs: 180 }}
        />
      </Group>

      {tickets.isError ? (
        <ApiErrorAlert error={tickets.error} title="Tickets did not load" onRetry={() => void tickets.refetch()} />
      ) : (
        <DataTable<Row>
          aria-label="Tickets"
          withTableBorder
          borderRadius="md"
          minHeight={rows.length ? undefined : 180}
          fetching={tickets.isPending}
          records={rows}
          noRecordsText={filtered ? 'No ticket matches this search and these filters.' : 'No tickets in this view.'}
          columns={[
            { accessor: 'number', title: '#', width: 70, render: (ticket) => `#${ticket.number}` },
            {
              accessor: 'subject',
              title: 'Conversation',
              render: (ticket) => (
                <Stack gap={2}>
                  <Anchor component={Link} to={`/tickets/${ticket.id}`} fw={500} size="sm">
                    {ticket.subject}
                  </Anchor>
                  <Text size="xs" c="dimmed" lineClamp={1}>
                    {[ticket.customer?.name ?? ticket.customer?.email ?? ticket.customer?.phone, ticket.preview].filter(Boolean).join(' — ')}
                  </Text>
                </Stack>
              ),
            },
            { accessor: 'channel', title: 'Channel', width: 110, render: (ticket) => <ChannelBadge channel={ticket.channel} /> },
            { accessor: 'status', title: 'Status', width: 100, render: (ticket) => <StatusBadge status={ticket.status} /> },
            {
              accessor: 'priority',
              title: 'Priority',
              width: 100,
              visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.sm})`,
              render: (ticket) => <PriorityBadge priority={ticket.priority} />,
            },
            {
              accessor: 'assignee',
              title: 'Assignee',
              visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.md})`,
              render: (ticket) => ticket.assignee?.name ?? ticket.assignee?.email ?? <Text c="dimmed">—</Text>,
            },
            {
              accessor: 'updatedAt',
              title: 'Last activity',
              visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.md})`,
              render: (ticket) => formatDateTime(ticket.updatedAt),
            },
          ]}
        />
      )}
      {tickets.hasNextPage && (
        <Group justify="center">
          <Button variant="default" loading={tickets.isFetchingNextPage} onClick={() => void tickets.fetchNextPage()}>
            Show more tickets
          </Button>
        </Group>
      )}

      {starting && <NewTicket onClose={() => setStarting(false)} />}
    </Stack>
  );
}
