import { Badge, Button, Code, Group, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { DataTable } from 'mantine-datatable';
import { useState } from 'react';
import { ApiErrorAlert } from '../../components/api-error.js';
import { formatDateTime } from '../../components/format.js';
import { useCan } from '../../components/session.js';
import { queryClient, trpc, type Outputs } from '../../trpc.js';
import type { Webhook } from './webhook-form.js';

type Delivery = Outputs['webhooks']['deliveries'][number];
type Attempt = Delivery['attempts'][number];

const STATUS_COLOR: Record<string, string> = { succeeded: 'green', failed: 'red', pending: 'yellow' };

function AttemptLog({ attempts }: { attempts: Attempt[] }) {
  return (
    <DataTable<Attempt>
      aria-label="Attempts"
      idAccessor="attempt"
      records={attempts}
      noRecordsText="No attempt yet: the first one is on its way."
      minHeight={attempts.length ? undefined : 120}
      columns={[
        { accessor: 'attempt', title: '#', width: 40 },
        { accessor: 'at', title: 'When', render: (attempt) => formatDateTime(attempt.at) },
        { accessor: 'status', title: 'HTTP status', render: (attempt) => attempt.status ?? '—' },
        { accessor: 'durationMs', title: 'Duration', render: (attempt) => `${attempt.durationMs} ms` },
        {
          accessor: 'response',
          title: 'Response or error',
          render: (attempt) =>
            attempt.error ? (
              <Text size="sm" c="red">
                {attempt.error}
              </Text>
            ) : (
              <Code>{attempt.response?.slice(0, 200) || '(empty)'}</Code>
            ),
        },
      ]}
    />
  );
}

/** The delivery log of one endpoint: every delivery with every attempt; failed ones can be sent again. */
export function DeliveryLog({ webhook, onClose }: { webhook: Webhook; onClose: () => void }) {
  const canManage = useCan('Admin');
  // While a delivery is pending (a replay, a retry due soon) the log follows it.
  const deliveries = useQuery({
    ...trpc.webhooks.deliveries.queryOptions({ id: webhook.id, limit: 25 }),
    refetchInterval: (query) => (query.state.data?.some((delivery) => delivery.status === 'pending') ? 1500 : false),
  });
  const [expanded, setExpanded] = useState<string[]>([]);
  const replay = useMutation(
    trpc.webhooks.replay.mutationOptions({
      onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.webhooks.deliveries.queryKey({ id: webhook.id }) }),
    }),
  );

  return (
    <Stack gap="sm" component="section" aria-labelledby="delivery-log-title">
      <Group justify="space-between" wrap="wrap">
        <Title order={2} size="h3" id="delivery-log-title" style={{ wordBreak: 'break-all' }}>
          Deliveries to {webhook.url}
        </Title>
        <Group gap="xs">
          <Button variant="default" size="xs" onClick={() => void deliveries.refetch()} loading={deliveries.isFetching}>
            Refresh
          </Button>
          <Button variant="subtle" size="xs" onClick={onClose}>
            Close the log
          </Button>
        </Group>
      </Group>
      <Text size="sm" c="dimmed">
        The latest 25 deliveries, newest first. Failed attempts are retried after 1 min, 5 min, 30 min, 2 h and 24 h.
      </Text>
      {replay.isError && <ApiErrorAlert error={replay.error} title="Not replayed" />}
      {deliveries.isError ? (
        <ApiErrorAlert error={deliveries.error} title="The delivery log did not load" onRetry={() => void deliveries.refetch()} />
      ) : (
        <DataTable<Delivery>
          aria-label="Deliveries"
          withTableBorder
          borderRadius="md"
          minHeight={deliveries.data?.length ? undefined : 160}
          fetching={deliveries.isPending}
          records={deliveries.data ?? []}
          noRecordsText="No deliveries yet. Send a test, or wait for the next event."
          rowExpansion={{
            trigger: 'never',
            allowMultiple: true,
            expanded: { recordIds: expanded, onRecordIdsChange: (ids: unknown[]) => setExpanded(ids as string[]) },
            content: ({ record }) => <AttemptLog attempts={record.attempts} />,
          }}
          columns={[
            { accessor: 'event', title: 'Event' },
            {
              accessor: 'status',
              title: 'Status',
              width: 120,
              render: (delivery) => <Badge color={STATUS_COLOR[delivery.status] ?? 'gray'}>{delivery.status}</Badge>,
            },
            {
              accessor: 'last',
              title: 'Last answer',
              render: (delivery) => {
                const last = delivery.attempts.at(-1);
                if (!last) return '—';
                return last.error ? `error: ${last.error}` : `HTTP ${last.status} in ${last.durationMs} ms`;
              },
            },
            {
              accessor: 'createdAt',
              title: 'Created',
              visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.sm})`,
              render: (delivery) => formatDateTime(delivery.createdAt),
            },
            {
              accessor: 'actions',
              title: 'Actions',
              render: (delivery) => {
                const open = expanded.includes(delivery.id);
                return (
                  <Group gap="xs" wrap="nowrap">
                    <Button
                      size="compact-sm"
                      variant="subtle"
                      aria-expanded={open}
                      onClick={() => setExpanded(open ? expanded.filter((id) => id !== delivery.id) : [...expanded, delivery.id])}
                    >
                      {open ? 'Hide attempts' : `Attempts (${delivery.attempts.length})`}
                    </Button>
                    {canManage && (delivery.status === 'failed' || delivery.status === 'skipped') && (
                      <Button
                        size="compact-sm"
                        variant="light"
                        loading={
                          replay.isPending && replay.variables !== undefined && 'deliveryId' in replay.variables && replay.variables.deliveryId === delivery.id
                        }
                        onClick={() => replay.mutate({ deliveryId: delivery.id })}
                      >
                        Replay
                      </Button>
                    )}
                  </Group>
                );
              },
            },
          ]}
        />
      )}
    </Stack>
  );
}
