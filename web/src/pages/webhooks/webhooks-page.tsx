import { Alert, Badge, Button, Group, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { DataTable } from 'mantine-datatable';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { ApiErrorAlert } from '../../components/api-error.js';
import { formatDateTime } from '../../components/format.js';
import { SecretOnce } from '../../components/secret-once.js';
import { useCan } from '../../components/session.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { queryClient, trpc } from '../../trpc.js';
import { DeliveryLog } from './delivery-log.js';
import { WebhookForm, type Webhook } from './webhook-form.js';

function StatusBadge({ webhook }: { webhook: Webhook }) {
  if (webhook.status === 'failed') return <Badge color="red">failed</Badge>;
  return webhook.enabled ? <Badge color="green">active</Badge> : <Badge color="gray">disabled</Badge>;
}

function DeleteWebhook({ webhook, onClose }: { webhook: Webhook | undefined; onClose: () => void }) {
  const remove = useMutation(
    trpc.webhooks.delete.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.webhooks.list.queryKey() });
        onClose();
      },
    }),
  );
  return (
    <ConfirmDialog
      opened={webhook !== undefined}
      title="Delete this webhook?"
      action="Delete webhook"
      pending={remove.isPending}
      error={remove.error}
      errorTitle="Not deleted"
      onConfirm={() => webhook && remove.mutate({ id: webhook.id })}
      onClose={onClose}
    >
      {webhook?.url} stops receiving events at once, and its delivery log goes with it.
    </ConfirmDialog>
  );
}

/**
 * Outgoing webhooks: the organization's endpoints, their delivery logs, and (for Admins and
 * Owners) adding, editing, testing and deleting them.
 */
export function Page() {
  const canManage = useCan('Admin');
  const webhooks = useQuery(trpc.webhooks.list.queryOptions());
  const [form, setForm] = useState<{ editing: Webhook | undefined } | undefined>();
  const [deleting, setDeleting] = useState<Webhook>();
  const [secret, setSecret] = useState<string>();
  const [params, setParams] = useSearchParams();
  const logFor = webhooks.data?.find((webhook) => webhook.id === params.get('deliveries'));
  const showLog = (id: string | undefined) => setParams(id ? { deliveries: id } : {}, { replace: true });

  const test = useMutation(
    trpc.webhooks.test.mutationOptions({
      onSuccess: (_result, { id }) => {
        void queryClient.invalidateQueries({ queryKey: trpc.webhooks.deliveries.queryKey({ id }) });
        showLog(id);
      },
    }),
  );
  const tested = webhooks.data?.find((webhook) => webhook.id === test.variables?.id);

  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="wrap">
        <div>
          <Title order={1}>Webhooks</Title>
          <Text size="sm" c="dimmed">
            Relay sends your endpoints ticket, conversation and customer events, each attempt logged and retried.
          </Text>
        </div>
        {canManage && <Button onClick={() => setForm({ editing: undefined })}>Add webhook</Button>}
      </Group>
      {!canManage && (
        <Text size="sm" c="dimmed">
          You can see webhooks and their deliveries; adding, changing and testing them takes the Admin role in Hub.
        </Text>
      )}

      {test.isSuccess && tested && (
        <Alert
          color={test.data.success ? 'green' : 'red'}
          variant="light"
          withCloseButton
          closeButtonLabel="Dismiss"
          onClose={() => test.reset()}
          title={test.data.success ? 'Test delivered' : 'Test not delivered'}
          role="status"
        >
          <Text size="sm" style={{ wordBreak: 'break-all' }}>
            {tested.url}: {test.data.success ? `HTTP ${test.data.status} in ${test.data.durationMs} ms` : (test.data.error ?? `HTTP ${test.data.status}`)}
          </Text>
        </Alert>
      )}
      {test.isError && <ApiErrorAlert error={test.error} title="Test not sent" />}

      {webhooks.isError ? (
        <ApiErrorAlert error={webhooks.error} title="Webhooks did not load" onRetry={() => void webhooks.refetch()} />
      ) : (
        <DataTable<Webhook>
          aria-label="Webhooks"
          withTableBorder
          borderRadius="md"
          minHeight={webhooks.data?.length ? undefined : 180}
          fetching={webhooks.isPending}
          records={webhooks.data ?? []}
          noRecordsText={canManage ? 'No webhooks yet. Add one to receive events.' : 'No webhooks yet.'}
          columns={[
            {
              accessor: 'url',
              title: 'Endpoint',
              render: (webhook) => (
                <>
                  <Text size="sm" style={{ wordBreak: 'break-all' }}>
                    {webhook.url}
                  </Text>
                  {/* Narrow screens have no Events column. */}
                  <Text size="xs" c="dimmed" hiddenFrom="sm">
                    {webhook.events.join(', ')}
                  </Text>
                </>
              ),
            },
            {
              accessor: 'events',
              title: 'Events',
              visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.sm})`,
              render: (webhook) => (
                <Group gap={4}>
                  {webhook.events.map((event) => (
                    <Badge key={event} variant="outline" size="sm" tt="none">
                      {event}
                    </Badge>
                  ))}
                </Group>
              ),
            },
            { accessor: 'status', title: 'Status', width: 100, render: (webhook) => <StatusBadge webhook={webhook} /> },
            {
              accessor: 'hasSecret',
              title: 'Signed',
              visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.md})`,
              render: (webhook) => (webhook.hasSecret ? 'yes' : 'no'),
            },
            {
              accessor: 'createdAt',
              title: 'Created',
              visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.md})`,
              render: (webhook) => formatDateTime(webhook.createdAt),
            },
            {
              accessor: 'actions',
              title: 'Actions',
              render: (webhook) => (
                <Group gap="xs">
                  <Button
                    size="compact-sm"
                    variant="subtle"
                    aria-pressed={logFor?.id === webhook.id}
                    onClick={() => showLog(logFor?.id === webhook.id ? undefined : webhook.id)}
                  >
                    Deliveries
                  </Button>
                  {canManage && (
                    <>
                      <Button
                        size="compact-sm"
                        variant="light"
                        loading={test.isPending && test.variables?.id === webhook.id}
                        onClick={() => test.mutate({ id: webhook.id })}
                      >
                        Send test
                      </Button>
                      <Button size="compact-sm" variant="subtle" onClick={() => setForm({ editing: webhook })}>
                        Edit
                      </Button>
                      <Button size="compact-sm" variant="subtle" color="red" onClick={() => setDeleting(webhook)}>
                        Delete
                      </Button>
                    </>
                  )}
                </Group>
              ),
            },
          ]}
        />
      )}

      {logFor && <DeliveryLog key={logFor.id} webhook={logFor} onClose={() => showLog(undefined)} />}

      {form && <WebhookForm key={form.editing?.id ?? 'new'} editing={form.editing} opened onClose={() => setForm(undefined)} onSecret={setSecret} />}
      <DeleteWebhook webhook={deleting} onClose={() => setDeleting(undefined)} />
      <SecretOnce title="The webhook's signing secret" secret={secret} onClose={() => setSecret(undefined)}>
        <Text size="sm">Verify each delivery's x-relay-signature header with this secret.</Text>
      </SecretOnce>
    </Stack>
  );
}
