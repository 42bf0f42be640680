import { Badge, Button, Card, Group, Modal, PasswordInput, Select, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { CHANNEL_TYPES, type ChannelType } from '../../../../src/db/tables/channels.js';
import { ApiErrorAlert } from '../../components/api-error.js';
import { formatShortDateTime } from '../../components/format.js';
import { PagedTable } from '../../components/paged-table.js';
import { useCan } from '../../components/session.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { queryClient, trpc, type Outputs } from '../../trpc.js';

type Channel = Outputs['channels']['list']['items'][number];
type InboundAddress = Outputs['inbound']['addresses']['items'][number];

/** What each provider calls the address and the secret Relay checks its webhooks with. */
const CHANNEL_FIELDS: Record<ChannelType, { name: string; address: string; placeholder: string; secret: string; verifyToken: boolean }> = {
  twilio: { name: 'Twilio SMS', address: 'Phone number (E.164)', placeholder: '+15551234567', secret: 'Auth token', verifyToken: false },
  whatsapp: { name: 'WhatsApp', address: 'Phone number id', placeholder: '100000001', secret: 'App secret', verifyToken: true },
  messenger: { name: 'Messenger', address: 'Page id', placeholder: '200000002', secret: 'App secret', verifyToken: true },
  dialpad: { name: 'Dialpad', address: 'Phone number (E.164)', placeholder: '+15551234567', secret: 'Webhook secret', verifyToken: false },
  slack: { name: 'Slack', address: 'TEAM_ID:CHANNEL_ID', placeholder: 'T0123:C0456', secret: 'Signing secret', verifyToken: false },
};

function ConnectChannel({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const [type, setType] = useState<ChannelType>('twilio');
  const [address, setAddress] = useState('');
  const [secret, setSecret] = useState('');
  const [verifyToken, setVerifyToken] = useState('');
  const [autoReply, setAutoReply] = useState('');
  const fields = CHANNEL_FIELDS[type];
  const add = useMutation(
    trpc.channels.add.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.channels.list.infiniteQueryKey() });
        onClose();
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate({
      type,
      address: address.trim(),
      secret,
      verify_token: fields.verifyToken ? verifyToken : undefined,
      auto_reply: autoReply.trim() || undefined,
    });
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Connect a channel" size="lg">
      <form onSubmit={submit}>
        <Stack gap="md">
          <Select
            label="Provider"
            required
            allowDeselect={false}
            data={CHANNEL_TYPES.map((value) => ({ value, label: CHANNEL_FIELDS[value].name }))}
            value={type}
            onChange={(value) => value && setType(value as ChannelType)}
            data-autofocus
          />
          <TextInput
            label={fields.address}
            placeholder={fields.placeholder}
            required
            value={address}
            onChange={(event) => setAddress(event.currentTarget.value)}
          />
          <PasswordInput
            label={fields.secret}
            description="Sealed on the server and never shown again, here or anywhere."
            required
            minLength={8}
            value={secret}
            onChange={(event) => setSecret(event.currentTarget.value)}
          />
          {fields.verifyToken && (
            <PasswordInput
              label="Verify token"
              description="The token you give Meta for its webhook handshake."
              required
              minLength={8}
              value={verifyToken}
              onChange={(event) => setVerifyToken(event.currentTarget.value)}
            />
          )}
          <Textarea
            label="Auto-reply"
            description="Sent back to each new conversation; leave empty for none."
            maxLength={1600}
            value={autoReply}
            onChange={(event) => setAutoReply(event.currentTarget.value)}
          />
          {add.isError && <ApiErrorAlert error={add.error} title="Not connected" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={add.isPending}>
              Connect channel
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Asks before removing a channel or an address: messages to it stop being taken in at once. */
function ConfirmRemove({
  what,
  consequence,
  pending,
  error,
  onConfirm,
  onClose,
}: {
  what: string | undefined;
  consequence: string;
  pending: boolean;
  error: unknown;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <ConfirmDialog
      opened={what !== undefined}
      title={`Remove ${what}?`}
      action="Remove"
      pending={pending}
      error={error}
      errorTitle="Not removed"
      onConfirm={onConfirm}
      onClose={onClose}
    >
      {consequence}
    </ConfirmDialog>
  );
}

function Channels({ canManage }: { canManage: boolean }) {
  const channels = useInfiniteQuery(trpc.channels.list.infiniteQueryOptions({ limit: 25 }, { getNextPageParam: (page) => page.nextCursor }));
  const [connecting, setConnecting] = useState(false);
  const [removing, setRemoving] = useState<Channel>();
  const remove = useMutation(
    trpc.channels.remove.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.channels.list.infiniteQueryKey() });
        setRemoving(undefined);
      },
    }),
  );
  return (
    <Card withBorder component="section" aria-labelledby="channels-title">
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap">
          <div>
            <Title order={2} size="h3" id="channels-title">
              Messaging channels
            </Title>
            <Text size="sm" c="dimmed">
              SMS, WhatsApp, Messenger, Dialpad and Slack conversations become helpdesk tickets.
            </Text>
          </div>
          {canManage && <Button onClick={() => setConnecting(true)}>Connect a channel</Button>}
        </Group>
        <PagedTable<Channel>
          list={channels}
          label="Channels"
          noun={{ one: 'channel', other: 'channels' }}
          errorTitle="Channels did not load"
          emptyText={canManage ? 'No channels yet. Connect one to take in its messages.' : 'No channels yet.'}
          emptyHeight={150}
          columns={[
            { accessor: 'type', title: 'Provider', render: (channel) => <Badge variant="light">{CHANNEL_FIELDS[channel.type].name}</Badge> },
            {
              accessor: 'address',
              title: 'Address',
              render: (channel) => (
                <Text size="sm" style={{ wordBreak: 'break-all' }}>
                  {channel.address}
                </Text>
              ),
            },
            {
              accessor: 'autoReply',
              title: 'Auto-reply',
              visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.md})`,
              render: (channel) => channel.autoReply ?? '—',
            },
            {
              accessor: 'createdAt',
              title: 'Connected',
              visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.sm})`,
              render: (channel) => formatShortDateTime(channel.createdAt),
            },
            {
              accessor: 'actions',
              title: 'Actions',
              hidden: !canManage,
              render: (channel) => (
                <Button size="compact-sm" variant="subtle" color="red" aria-label={`Remove ${channel.address}`} onClick={() => setRemoving(channel)}>
                  Remove
                </Button>
              ),
            },
          ]}
        />
      </Stack>
      {connecting && <ConnectChannel opened onClose={() => setConnecting(false)} />}
      <ConfirmRemove
        what={removing && `${CHANNEL_FIELDS[removing.type].name} ${removing.address}`}
        consequence="Relay stops taking in its messages at once, and forgets its secrets."
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => removing && remove.mutate({ id: removing.id })}
        onClose={() => {
          remove.reset();
          setRemoving(undefined);
        }}
      />
    </Card>
  );
}

function InboundAddresses({ canManage }: { canManage: boolean }) {
  const addresses = useInfiniteQuery(trpc.inbound.addresses.infiniteQueryOptions({ limit: 25 }, { getNextPageParam: (page) => page.nextCursor }));
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.inbound.addresses.infiniteQueryKey() });
  const [address, setAddress] = useState('');
  const [removing, setRemoving] = useState<InboundAddress>();
  const add = useMutation(
    trpc.inbound.addAddress.mutationOptions({
      onSuccess: () => {
        refresh();
        setAddress('');
      },
    }),
  );
  const remove = useMutation(
    trpc.inbound.removeAddress.mutationOptions({
      onSuccess: () => {
        refresh();
        setRemoving(undefined);
      },
    }),
  );
  return (
    <Card withBorder component="section" aria-labelledby="addresses-title">
      <Stack gap="sm">
        <div>
          <Title order={2} size="h3" id="addresses-title">
            Inbound addresses
          </Title>
          <Text size="sm" c="dimmed">
            Your own support addresses: mail to them becomes helpdesk tickets.
          </Text>
        </div>
        {canManage && (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              add.mutate({ address: address.trim() });
            }}
          >
            <Group align="flex-end" gap="sm" wrap="wrap">
              <TextInput
                label="Address"
                type="email"
                placeholder="help@your-company.com"
                required
                value={address}
                onChange={(event) => setAddress(event.currentTarget.value)}
              />
              <Button type="submit" loading={add.isPending}>
                Add address
              </Button>
            </Group>
          </form>
        )}
        {add.isError && <ApiErrorAlert error={add.error} title="Not added" />}
        <PagedTable<InboundAddress>
          list={addresses}
          label="Inbound addresses"
          noun={{ one: 'address', other: 'addresses' }}
          errorTitle="Inbound addresses did not load"
          emptyText="No inbound addresses yet."
          emptyHeight={150}
          idAccessor="address"
          columns={[
            {
              accessor: 'address',
              title: 'Address',
              render: (row) => (
                <Text size="sm" style={{ wordBreak: 'break-all' }}>
                  {row.address}
                </Text>
              ),
            },
            {
              accessor: 'createdAt',
              title: 'Added',
              visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.sm})`,
              render: (row) => formatShortDateTime(row.createdAt),
            },
            {
              accessor: 'actions',
              title: 'Actions',
              hidden: !canManage,
              render: (row) => (
                <Button size="compact-sm" variant="subtle" color="red" aria-label={`Remove ${row.address}`} onClick={() => setRemoving(row)}>
                  Remove
                </Button>
              ),
            },
          ]}
        />
      </Stack>
      <ConfirmRemove
        what={removing?.address}
        consequence="Mail to it is no longer taken in as tickets for your organization."
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => removing && remove.mutate({ address: removing.address })}
        onClose={() => {
          remove.reset();
          setRemoving(undefined);
        }}
      />
    </Card>
  );
}

/** Where conversations come in from: messaging channels and support addresses. Admins and Owners manage them. */
export function Page() {
  const canManage = useCan('Admin');
  return (
    <Stack gap="md">
      <div>
        <Title order={1}>Channels & inbound addresses</Title>
        <Text size="sm" c="dimmed">
          Secrets go in sealed and never come back out: to change one, remove the channel and connect it again.
        </Text>
      </div>
      {!canManage && (
        <Text size="sm" c="dimmed">
          You can see what is connected; connecting and removing takes the Admin role in Hub.
        </Text>
      )}
      <Channels canManage={canManage} />
      <InboundAddresses canManage={canManage} />
    </Stack>
  );
}
