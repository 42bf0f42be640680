import { Anchor, Badge, Select, Stack, Text, Title } from '@mantine/core';
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { formatShortDateTime } from '../../components/format.js';
import { PagedTable } from '../../components/paged-table.js';
import { trpc, type Outputs } from '../../trpc.js';

type Archived = Outputs['inbound']['archive']['items'][number];

/** Inbound mail no product or helpdesk took, by why; each can be read and routed again. */
export function Page() {
  const [params, setParams] = useSearchParams();
  const reason = params.get('reason') ?? undefined;
  const reasons = useQuery(trpc.inbound.archiveReasons.queryOptions());
  const archive = useInfiniteQuery({
    ...trpc.inbound.archive.infiniteQueryOptions({ reason, limit: 50 }, { getNextPageParam: (page) => page.nextCursor }),
    placeholderData: keepPreviousData,
  });

  return (
    <Stack gap="md">
      <div>
        <Title order={1}>Inbound archive</Title>
        <Text size="sm" c="dimmed">
          Mail Relay received but could not hand on: no route, a product that was down or not configured, bounces and auto-replies. Open one to read it and
          route it again.
        </Text>
      </div>
      <Select
        label="Reason"
        placeholder="every reason"
        clearable
        maw={360}
        data={(reasons.data ?? []).map((entry) => ({ value: entry.reason, label: `${entry.reason} (${entry.count})` }))}
        value={reason ?? null}
        onChange={(value) => setParams(value ? { reason: value } : {})}
        error={reasons.isError ? 'The reasons did not load' : undefined}
      />
      <PagedTable<Archived>
        list={archive}
        label="Archived inbound mail"
        noun={{ one: 'message', other: 'messages' }}
        errorTitle="The archive did not load"
        emptyText={reason ? 'Nothing archived for this reason.' : 'The archive is empty: every inbound message found its way.'}
        columns={[
          {
            accessor: 'subject',
            title: 'Message',
            render: (row) => (
              <Stack gap={2}>
                <Anchor component={Link} to={`/inbound-archive/${row.id}`} size="sm" fw={500} style={{ wordBreak: 'break-word' }}>
                  {row.subject || '(no subject)'}
                </Anchor>
                <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
                  from {row.fromName ? `${row.fromName} <${row.from}>` : (row.from ?? 'unknown')}
                </Text>
              </Stack>
            ),
          },
          {
            accessor: 'reason',
            title: 'Reason',
            render: (row) => (
              <Badge variant="light" tt="none">
                {row.reason ?? 'unknown'}
              </Badge>
            ),
          },
          {
            accessor: 'provider',
            title: 'Provider',
            visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.md})`,
          },
          {
            accessor: 'receivedAt',
            title: 'Received',
            visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.sm})`,
            render: (row) => formatShortDateTime(row.receivedAt),
          },
        ]}
      />
    </Stack>
  );
}
