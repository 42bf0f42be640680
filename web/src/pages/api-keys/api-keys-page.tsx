import { Badge, Button, Checkbox, Code, Group, Modal, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { API_KEY_SCOPES, type ApiKeyScope } from '../../../../src/db/tables/api-keys.js';
import { ApiErrorAlert } from '../../components/api-error.js';
import { formatShortDateTime } from '../../components/format.js';
import { PagedTable } from '../../components/paged-table.js';
import { SecretOnce } from '../../components/secret-once.js';
import { useCan } from '../../components/session.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { queryClient, trpc, type Outputs } from '../../trpc.js';

type ApiKey = Outputs['apiKeys']['list']['items'][number];

/** What each scope lets a key do, as the REST API and tRPC enforce it. */
const SCOPE_HELP: Record<ApiKeyScope, string> = {
  send: 'send email, suppress addresses, replay failed sends',
  read: 'read emails, suppressions, inbound mail, tickets',
  webhooks: 'manage outgoing webhooks',
  admin: 'manage API keys, channels, inbound addresses, commerce accounts',
  debriefs: 'send RelayIt debriefs',
  suppressions: 'lift suppressions',
  helpdesk: 'change tickets and customers',
};

const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.infiniteQueryKey() });

function CreateKey({ opened, onClose, onCreated }: { opened: boolean; onClose: () => void; onCreated: (key: string) => void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['send', 'read']);
  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({
      onSuccess: (created) => {
        refresh();
        onClose();
        onCreated(created.key);
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name: name.trim() || undefined, scopes: scopes as ApiKeyScope[] });
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Create an API key" size="lg">
      <form onSubmit={submit}>
        <Stack gap="md">
          <TextInput
            label="Name"
            description="What the key is for, so you know it again in this list."
            placeholder="Billing service"
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            maxLength={100}
            data-autofocus
          />
          <Checkbox.Group label="Scopes" description="Give a key only what its program needs." value={scopes} onChange={setScopes} required>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" mt="xs">
              {API_KEY_SCOPES.map((scope) => (
                <Checkbox key={scope} value={scope} label={scope} description={SCOPE_HELP[scope]} />
              ))}
            </SimpleGrid>
          </Checkbox.Group>
          {create.isError && <ApiErrorAlert error={create.error} title="Not created" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create key
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Revoking or rotating one key, after saying what happens to programs using it. */
function ConfirmKeyChange({
  change,
  onClose,
  onRotated,
}: {
  change: { key: ApiKey; kind: 'revoke' | 'rotate' } | undefined;
  onClose: () => void;
  onRotated: (key: string) => void;
}) {
  const revoke = useMutation(
    trpc.apiKeys.revoke.mutationOptions({
      onSuccess: () => {
        refresh();
        onClose();
      },
    }),
  );
  const rotate = useMutation(
    trpc.apiKeys.rotate.mutationOptions({
      onSuccess: (rotated) => {
        refresh();
        onClose();
        onRotated(rotated.key);
      },
    }),
  );
  const mutation = change?.kind === 'rotate' ? rotate : revoke;
  const label = change?.key.name ? `${change.key.name} (${change.key.id})` : change?.key.id;
  return (
    <ConfirmDialog
      opened={change !== undefined}
      title={change?.kind === 'rotate' ? 'Rotate this key?' : 'Revoke this key?'}
      action={change?.kind === 'rotate' ? 'Rotate key' : 'Revoke key'}
      pending={mutation.isPending}
      error={mutation.error}
      errorTitle={change?.kind === 'rotate' ? 'Not rotated' : 'Not revoked'}
      onConfirm={() => change && mutation.mutate({ id: change.key.id })}
      onClose={onClose}
    >
      {change?.kind === 'rotate'
        ? `${label} is replaced by a new key with the same name and scopes, shown once. The old key is refused within a second: update the programs that use it first, or right after.`
        : `${label} is refused by every Relay API process within a second. This cannot be undone.`}
    </ConfirmDialog>
  );
}

function KeyState({ apiKey }: { apiKey: ApiKey }) {
  if (!apiKey.revokedAt) return <Badge color="green">active</Badge>;
  return (
    <Stack gap={2}>
      <Badge color="gray">revoked</Badge>
      <Text size="xs" c="dimmed">
        {formatShortDateTime(apiKey.revokedAt)}
        {apiKey.replacedBy && ` (rotated to ${apiKey.replacedBy})`}
      </Text>
    </Stack>
  );
}

/** The organization's API keys: who made each, what it may do, when it was last used; Admins create, revoke and rotate. */
export function Page() {
  const canManage = useCan('Admin');
  const keys = useInfiniteQuery(trpc.apiKeys.list.infiniteQueryOptions({ limit: 25 }, { getNextPageParam: (page) => page.nextCursor }));
  const [creating, setCreating] = useState(false);
  const [change, setChange] = useState<{ key: ApiKey; kind: 'revoke' | 'rotate' }>();
  const [secret, setSecret] = useState<string>();

  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="wrap">
        <div>
          <Title order={1}>API keys</Title>
          <Text size="sm" c="dimmed">
            Keys let your programs call Relay. Relay keeps only a hash: a key is shown once, when it is made.
          </Text>
        </div>
        {canManage && <Button onClick={() => setCreating(true)}>Create key</Button>}
      </Group>
      {!canManage && (
        <Text size="sm" c="dimmed">
          You can see the keys; creating, revoking and rotating them takes the Admin role in Hub.
        </Text>
      )}

      <PagedTable<ApiKey>
        list={keys}
        label="API keys"
        noun={{ one: 'key', other: 'keys' }}
        errorTitle="API keys did not load"
        emptyText={canManage ? 'No API keys yet. Create one for each program that calls Relay.' : 'No API keys yet.'}
        columns={[
          {
            accessor: 'id',
            title: 'Key',
            render: (apiKey) => (
              <Stack gap={2}>
                <Text size="sm" fw={500}>
                  {apiKey.name ?? 'Unnamed key'}
                </Text>
                <Code>{apiKey.id}_…</Code>
              </Stack>
            ),
          },
          {
            accessor: 'scopes',
            title: 'Scopes',
            render: (apiKey) => (
              <Group gap={4}>
                {apiKey.scopes.map((scope) => (
                  <Badge key={scope} variant="outline" size="sm" tt="none">
                    {scope}
                  </Badge>
                ))}
              </Group>
            ),
          },
          {
            accessor: 'createdBy',
            title: 'Created',
            visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.md})`,
            render: (apiKey) => (
              <Stack gap={2}>
                <Text size="sm">{formatShortDateTime(apiKey.createdAt)}</Text>
                <Text size="xs" c="dimmed">
                  by {apiKey.createdBy ?? 'unknown'}
                </Text>
              </Stack>
            ),
          },
          {
            accessor: 'lastUsedAt',
            title: 'Last used',
            visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.sm})`,
            render: (apiKey) => (apiKey.lastUsedAt ? formatShortDateTime(apiKey.lastUsedAt) : 'never'),
          },
          { accessor: 'revokedAt', title: 'State', render: (apiKey) => <KeyState apiKey={apiKey} /> },
          {
            accessor: 'actions',
            title: 'Actions',
            hidden: !canManage,
            render: (apiKey) =>
              apiKey.revokedAt ? null : (
                <Group gap="xs" wrap="nowrap">
                  <Button size="compact-sm" variant="subtle" aria-label={`Rotate ${apiKey.id}`} onClick={() => setChange({ key: apiKey, kind: 'rotate' })}>
                    Rotate
                  </Button>
                  <Button
                    size="compact-sm"
                    variant="subtle"
                    color="red"
                    aria-label={`Revoke ${apiKey.id}`}
                    onClick={() => setChange({ key: apiKey, kind: 'revoke' })}
                  >
                    Revoke
                  </Button>
                </Group>
              ),
          },
        ]}
      />

      {creating && <CreateKey opened onClose={() => setCreating(false)} onCreated={setSecret} />}
      <ConfirmKeyChange change={change} onClose={() => setChange(undefined)} onRotated={setSecret} />
      <SecretOnce title="Your new API key" secret={secret} onClose={() => setSecret(undefined)}>
        <Text size="sm">Send it as Authorization: Bearer &lt;key&gt;. Only its first part, before the second underscore, shows in this list.</Text>
      </SecretOnce>
    </Stack>
  );
}
