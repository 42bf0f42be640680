import { Alert, Badge, Button, Group, Modal, Stack, Text, TextInput, Title } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { ApiErrorAlert } from '../../components/api-error.js';
import { formatShortDateTime } from '../../components/format.js';
import { loadedItems, PagedTable } from '../../components/paged-table.js';
import { useCan } from '../../components/session.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { queryClient, trpc } from '../../trpc.js';
import { DomainRecords, type Domain } from './domain-records.js';

// While a domain is pending its verification workflow may finish at any moment: look again this often.
const PENDING_REFRESH_MS = 3000;

// The list's pages and any domain read alone.
const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.domains.pathKey() });

/** The domain's status and when it got there (pending: when Relay last asked SES). */
function DomainStatus({ domain }: { domain: Domain }) {
  const color = domain.status === 'verified' ? 'green' : domain.status === 'failed' ? 'red' : 'yellow';
  let when: string;
  if (domain.status === 'verified') when = domain.verified_at ? `since ${formatShortDateTime(domain.verified_at)}` : '';
  else if (domain.status === 'failed') when = domain.failed_at ? `on ${formatShortDateTime(domain.failed_at)}` : '';
  else when = domain.last_checked_at ? `last checked ${formatShortDateTime(domain.last_checked_at)}` : 'not checked yet';
  return (
    <Stack gap={2}>
      <Badge color={color}>{domain.status}</Badge>
      {when && (
        <Text size="xs" c="dimmed">
          {when}
        </Text>
      )}
    </Stack>
  );
}

function AddDomain({ onClose, onAdded }: { onClose: () => void; onAdded: (domain: Domain) => void }) {
  const [name, setName] = useState('');
  const [mailFrom, setMailFrom] = useState('');
  const create = useMutation(
    trpc.domains.create.mutationOptions({
      onSuccess: (domain) => {
        refresh();
        onAdded(domain);
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name, mailFromSubdomain: mailFrom.trim() || undefined });
  };
  const shownName = name.trim().toLowerCase() || 'example.com';
  return (
    <Modal opened onClose={onClose} title="Add a sending domain">
      <form onSubmit={submit}>
        <Stack gap="md">
          <TextInput
            label="Domain"
            description="The domain in your From addresses; its subdomains may send once it is verified."
            placeholder="example.com"
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            required
            maxLength={253}
            autoComplete="off"
            data-autofocus
          />
          <TextInput
            label="MAIL FROM subdomain (optional)"
            description={`Bounces and complaints come back through ${mailFrom.trim().toLowerCase() || 'bounce'}.${shownName}, so SPF aligns with your domain. Empty: SES's own domain.`}
            placeholder="bounce"
            value={mailFrom}
            onChange={(event) => setMailFrom(event.currentTarget.value)}
            maxLength={63}
            autoComplete="off"
          />
          {create.isError && <ApiErrorAlert error={create.error} title="Not added" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Add domain
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function DeleteDomain({ domain, onClose, onDeleted }: { domain: Domain | undefined; onClose: () => void; onDeleted: (id: string) => void }) {
  const remove = useMutation(
    trpc.domains.delete.mutationOptions({
      onSuccess: ({ id }) => {
        refresh();
        onDeleted(id);
        onClose();
      },
    }),
  );
  return (
    <ConfirmDialog
      opened={domain !== undefined}
      title="Delete this domain?"
      action="Delete domain"
      pending={remove.isPending}
      error={remove.error}
      errorTitle="Not deleted"
      onConfirm={() => domain && remove.mutate({ id: domain.id })}
      onClose={onClose}
    >
      Emails from {domain?.name} and its subdomains are refused at once, and its SES identity is deleted. Adding it again means verifying it again.
    </ConfirmDialog>
  );
}

/**
 * Sending domains: what the organization may send as, each domain's status and the DNS
 * records to publish; Admins and Owners add, check and delete them.
 */
export function Page() {
  const canManage = useCan('Admin');
  const domains = useInfiniteQuery({
    ...trpc.domains.list.infiniteQueryOptions({ limit: 25 }, { getNextPageParam: (page) => page.nextCursor }),
    refetchInterval: (query) => (query.state.data?.pages.some((page) => page.items.some((domain) => domain.status === 'pending')) ? PENDING_REFRESH_MS : false),
  });
  const records = loadedItems(domains);
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<Domain>();
  const [params, setParams] = useSearchParams();
  const recordsId = params.get('records');
  const listed = records.find((domain) => domain.id === recordsId);
  // A link to a domain past the pages shown so far reads that domain alone.
  const single = useQuery({ ...trpc.domains.get.queryOptions({ id: recordsId ?? '' }), enabled: recordsId !== null && !listed && domains.isSuccess });
  const recordsFor = listed ?? single.data;
  const showRecords = (id: string | undefined) => setParams(id ? { records: id } : {}, { replace: true });

  const verify = useMutation(trpc.domains.verify.mutationOptions({ onSuccess: refresh }));
  const checked = records.find((domain) => domain.id === verify.variables?.id) ?? verify.data;

  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="wrap">
        <div>
          <Title order={1}>Domains</Title>
          <Text size="sm" c="dimmed">
            Relay sends only from your verified domains and their subdomains: publish each domain's DNS records, and Relay verifies it with SES.
          </Text>
        </div>
        {canManage && <Button onClick={() => setAdding(true)}>Add domain</Button>}
      </Group>
      {!canManage && (
        <Text size="sm" c="dimmed">
          You can see the domains and their DNS records; adding, checking and deleting them takes the Admin role in Hub.
        </Text>
      )}

      {verify.isSuccess && checked && (
        <Alert color="blue" variant="light" withCloseButton closeButtonLabel="Dismiss" onClose={() => verify.reset()} role="status">
          <Text size="sm" style={{ wordBreak: 'break-all' }}>
            {checked.status === 'verified'
              ? `${checked.name} is verified.`
              : `Relay is checking ${checked.name} now; its status here follows as soon as SES answers.`}
          </Text>
        </Alert>
      )}
      {verify.isError && <ApiErrorAlert error={verify.error} title="Not checked" />}

      <PagedTable<Domain>
        list={domains}
        label="Domains"
        noun={{ one: 'domain', other: 'domains' }}
        errorTitle="Domains did not load"
        emptyText={canManage ? 'No domains yet. Add the domain your emails come from.' : 'No domains yet.'}
        columns={[
          {
            accessor: 'name',
            title: 'Domain',
            render: (domain) => (
              <Text size="sm" fw={500} style={{ wordBreak: 'break-all' }}>
                {domain.name}
              </Text>
            ),
          },
          { accessor: 'status', title: 'Status', render: (domain) => <DomainStatus domain={domain} /> },
          {
            accessor: 'created_at',
            title: 'Added',
            visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.md})`,
            render: (domain) => formatShortDateTime(domain.created_at),
          },
          {
            accessor: 'actions',
            title: 'Actions',
            render: (domain) => (
              <Group gap="xs">
                <Button
                  size="compact-sm"
                  variant="subtle"
                  aria-pressed={recordsFor?.id === domain.id}
                  onClick={() => showRecords(recordsFor?.id === domain.id ? undefined : domain.id)}
                >
                  DNS records
                </Button>
                {canManage && domain.status !== 'verified' && (
                  <Button
                    size="compact-sm"
                    variant="light"
                    loading={verify.isPending && verify.variables?.id === domain.id}
                    onClick={() => verify.mutate({ id: domain.id })}
                  >
                    Check now
                  </Button>
                )}
                {canManage && (
                  <Button size="compact-sm" variant="subtle" color="red" onClick={() => setDeleting(domain)}>
                    Delete
                  </Button>
                )}
              </Group>
            ),
          },
        ]}
      />

      {recordsFor && <DomainRecords key={recordsFor.id} domain={recordsFor} onClose={() => showRecords(undefined)} />}

      {adding && (
        <AddDomain
          onClose={() => setAdding(false)}
          onAdded={(domain) => {
            setAdding(false);
            showRecords(domain.id);
          }}
        />
      )}
      <DeleteDomain
        domain={deleting}
        onClose={() => setDeleting(undefined)}
        onDeleted={(id) => {
          if (recordsFor?.id === id) showRecords(undefined);
        }}
      />
    </Stack>
  );
}
