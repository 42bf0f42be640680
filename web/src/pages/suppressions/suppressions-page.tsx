import { Anchor, Badge, Button, Group, Modal, Select, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { keepPreviousData, useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { SUPPRESSION_REASONS, type SuppressionReason } from '../../../../src/db/tables/suppressions.js';
import { ApiErrorAlert } from '../../components/api-error.js';
import { formatShortDateTime } from '../../components/format.js';
import { PagedTable } from '../../components/paged-table.js';
import { useCan } from '../../components/session.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { queryClient, trpc, type Outputs } from '../../trpc.js';

type Suppression = Outputs['suppressions']['list']['items'][number];

const REASON: Record<SuppressionReason, { label: string; color: string }> = {
  hard_bounce: { label: 'hard bounce', color: 'red' },
  complaint: { label: 'complaint', color: 'orange' },
  manual: { label: 'added by hand', color: 'gray' },
};

const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.suppressions.list.infiniteQueryKey() });

/** Why the address is suppressed: the bounce's diagnostic, the complaint's type, or the note left with it. */
function cause(entry: Suppression): string | undefined {
  const detail = entry.detail as Record<string, unknown>;
  const first = [detail.diagnostic_code, detail.feedback_type && `feedback type ${String(detail.feedback_type)}`, detail.bounce_sub_type, detail.note].find(
    (value) => typeof value === 'string' && value,
  );
  return first as string | undefined;
}

function AddSuppression({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const [address, setAddress] = useState('');
  const [note, setNote] = useState('');
  const add = useMutation(
    trpc.suppressions.add.mutationOptions({
      onSuccess: () => {
        refresh();
        onClose();
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate({ address: address.trim(), note: note.trim() || undefined });
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Suppress an address">
      <form onSubmit={submit}>
        <Stack gap="md">
          <TextInput
            label="Email address"
            description="Relay sends nothing to it until the suppression is lifted."
            type="email"
            required
            value={address}
            onChange={(event) => setAddress(event.currentTarget.value)}
            data-autofocus
          />
          <Textarea
            label="Note"
            description="Why, for whoever reads this list later."
            maxLength={500}
            value={note}
            onChange={(event) => setNote(event.currentTarget.value)}
          />
          {add.isError && <ApiErrorAlert error={add.error} title="Not suppressed" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={add.isPending}>
              Suppress address
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function LiftSuppression({ entry, onClose }: { entry: Suppression | undefined; onClose: () => void }) {
  const lift = useMutation(
    trpc.suppressions.lift.mutationOptions({
      onSuccess: () => {
        refresh();
        onClose();
      },
    }),
  );
  return (
    <ConfirmDialog
      opened={entry !== undefined}
      title="Lift this suppression?"
      action="Lift suppression"
      pending={lift.isPending}
      error={lift.error}
      errorTitle="Not lifted"
      onConfirm={() => entry && lift.mutate({ address: entry.address })}
      onClose={onClose}
    >
      The next email to {entry?.address} goes out.{' '}
      {entry?.reason === 'complaint' && 'This person marked your mail as spam: sending again risks your sending reputation.'}
      {entry?.reason === 'hard_bounce' && 'The address bounced for good: sending again is likely to bounce again.'}
    </ConfirmDialog>
  );
}

/** Addresses Relay will not send to: hard bounces, complaints and ones added by hand, newest first. */
export function Page() {
  const canAct = useCan('Member');
  const [params, setParams] = useSearchParams();
  const search = params.get('search') ?? undefined;
  const reason = (params.get('reason') as SuppressionReason | null) ?? undefined;
  const [draft, setDraft] = useState(search ?? '');
  const [adding, setAdding] = useState(false);
  const [lifting, setLifting] = useState<Suppression>();
  const list = useInfiniteQuery({
    ...trpc.suppressions.list.infiniteQueryOptions({ search, reason, limit: 50 }, { getNextPageParam: (page) => page.nextCursor }),
    placeholderData: keepPreviousData,
  });
  const filter = (next: { search?: string; reason?: string }) => {
    const merged = { search, reason, ...next };
    setParams(Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => Boolean(entry[1]))));
  };

  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="wrap">
        <div>
          <Title order={1}>Suppressions</Title>
          <Text size="sm" c="dimmed">
            Relay sends nothing to these addresses: they bounced for good, complained, or were added by hand.
          </Text>
        </div>
        {canAct && <Button onClick={() => setAdding(true)}>Suppress an address</Button>}
      </Group>
      {!canAct && (
        <Text size="sm" c="dimmed">
          You can see the list; adding and lifting suppressions takes the Member role in Hub.
        </Text>
      )}
      <form
        role="search"
        aria-label="Search suppressions"
        onSubmit={(event) => {
          event.preventDefault();
          filter({ search: draft.trim() || undefined });
        }}
      >
        <Group align="flex-end" gap="sm" wrap="wrap">
          <TextInput label="Address" placeholder="part of an address" value={draft} onChange={(event) => setDraft(event.currentTarget.value)} />
          <Select
            label="Reason"
            placeholder="any"
            clearable
            data={SUPPRESSION_REASONS.map((value) => ({ value, label: REASON[value].label }))}
            value={reason ?? null}
            onChange={(value) => filter({ reason: value ?? undefined })}
          />
          <Button type="submit" variant="default">
            Search
          </Button>
        </Group>
      </form>

      <PagedTable<Suppression>
        list={list}
        label="Suppressions"
        noun={{ one: 'suppression', other: 'suppressions' }}
        errorTitle="Suppressions did not load"
        emptyText={search || reason ? 'No suppression matches.' : 'No suppressed addresses. Relay adds hard bounces and complaints here by itself.'}
        idAccessor="address"
        columns={[
          {
            accessor: 'address',
            title: 'Address',
            render: (entry) => (
              <Text size="sm" style={{ wordBreak: 'break-all' }}>
                {entry.address}
              </Text>
            ),
          },
          {
            accessor: 'reason',
            title: 'Reason',
            render: (entry) => (
              <Stack gap={2}>
                <Badge color={REASON[entry.reason].color}>{REASON[entry.reason].label}</Badge>
                {cause(entry) && (
                  <Text size="xs" c="dimmed" style={{ wordBreak: 'break-word' }}>
                    {cause(entry)}
                  </Text>
                )}
              </Stack>
            ),
          },
          {
            accessor: 'sourceEmailId',
            title: 'Caused by',
            visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.sm})`,
            render: (entry) =>
              entry.sourceEmailId ? (
                <Anchor component={Link} to={`/emails/${entry.sourceEmailId}`} size="sm">
                  the email it came from
                </Anchor>
              ) : (
                '—'
              ),
          },
          {
            accessor: 'createdAt',
            title: 'Since',
            visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.md})`,
            render: (entry) => formatShortDateTime(entry.createdAt),
          },
          {
            accessor: 'actions',
            title: 'Actions',
            hidden: !canAct,
            render: (entry) => (
              <Button size="compact-sm" variant="subtle" color="red" aria-label={`Lift ${entry.address}`} onClick={() => setLifting(entry)}>
                Lift
              </Button>
            ),
          },
        ]}
      />
      {adding && <AddSuppression opened onClose={() => setAdding(false)} />}
      <LiftSuppression entry={lifting} onClose={() => setLifting(undefined)} />
    </Stack>
  );
}
