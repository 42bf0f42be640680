import { Badge, Button, Group, Stack, Text, Title } from '@mantine/core';
import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { formatShortDateTime } from '../../components/format.js';
import { PagedTable } from '../../components/paged-table.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { queryClient, trpc, type Outputs } from '../../trpc.js';

type Connection = Outputs['partners']['connections']['items'][number];

const DELIVERY_COLOR: Record<string, string> = { succeeded: 'green', failed: 'red', pending: 'yellow' };

function Disconnect({ connection, onClose }: { connection: Connection | undefined; onClose: () => void }) {
  const disconnect = useMutation(
    trpc.partners.disconnect.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.partners.connections.infiniteQueryKey() });
        onClose();
      },
    }),
  );
  return (
    <ConfirmDialog
      opened={connection !== undefined}
      title={`Disconnect ${connection?.partner.name}?`}
      action="Disconnect"
      pending={disconnect.isPending}
      error={disconnect.error}
      errorTitle="Not disconnected"
      onConfirm={() => connection && disconnect.mutate({ id: connection.id })}
      onClose={onClose}
    >
      {connection?.partner.name} loses access at once and receives no more of your debriefs. You can connect it again from the app.
    </ConfirmDialog>
  );
}

/** The RelayIt apps you connected: each one's latest delivery, and disconnecting it. Your own, whatever your role. */
export function Page() {
  const connections = useInfiniteQuery(trpc.partners.connections.infiniteQueryOptions({ limit: 25 }, { getNextPageParam: (page) => page.nextCursor }));
  const [disconnecting, setDisconnecting] = useState<Connection>();

  return (
    <Stack gap="md">
      <div>
        <Title order={1}>Partners</Title>
        <Text size="sm" c="dimmed">
          RelayIt apps you allowed to receive your debriefs. Only you see and manage your own connections.
        </Text>
      </div>
      <PagedTable<Connection>
        list={connections}
        label="Connected apps"
        noun={{ one: 'connection', other: 'connections' }}
        errorTitle="Your connections did not load"
        emptyText="You have not connected any RelayIt app. Apps ask you to connect from their own settings."
        columns={[
          {
            accessor: 'partner',
            title: 'App',
            render: (connection) => (
              <Group gap="xs">
                <Text size="sm" fw={500}>
                  {connection.partner.name}
                </Text>
                {connection.partner.suspended && <Badge color="red">suspended</Badge>}
              </Group>
            ),
          },
          {
            accessor: 'connectedAt',
            title: 'Connected',
            visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.sm})`,
            render: (connection) => formatShortDateTime(connection.connectedAt),
          },
          {
            accessor: 'lastDelivery',
            title: 'Last delivery',
            render: (connection) =>
              connection.lastDelivery ? (
                <Group gap="xs">
                  <Badge color={DELIVERY_COLOR[connection.lastDelivery.status] ?? 'gray'}>{connection.lastDelivery.status}</Badge>
                  <Text size="xs" c="dimmed">
                    {formatShortDateTime(connection.lastDelivery.at)}
                  </Text>
                </Group>
              ) : (
                'none yet'
              ),
          },
          {
            accessor: 'actions',
            title: 'Actions',
            render: (connection) => (
              <Button
                size="compact-sm"
                variant="subtle"
                color="red"
                aria-label={`Disconnect ${connection.partner.name}`}
                onClick={() => setDisconnecting(connection)}
              >
                Disconnect
              </Button>
            ),
          },
        ]}
      />
      <Disconnect connection={disconnecting} onClose={() => setDisconnecting(undefined)} />
    </Stack>
  );
}
