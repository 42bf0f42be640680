import { Anchor, Badge, Button, Group, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { DatePickerInput, type DatesRangeValue } from '@mantine/dates';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { EMAIL_STATUSES, type EmailStatus } from '../../../../src/db/tables/emails.js';
import { EmailStatusBadge } from '../../components/email-status.js';
import { formatShortDateTime } from '../../components/format.js';
import { PagedTable } from '../../components/paged-table.js';
import { trpc, type Outputs } from '../../trpc.js';

type EmailRow = Outputs['emails']['list']['items'][number];

const FILTERS = ['recipient', 'subject', 'tag', 'status', 'since', 'until'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** Local midnight of a YYYY-MM-DD day, `days` later. */
function dayStart(day: string, days = 0): Date {
  const date = new Date(`${day}T00:00:00`);
  date.setDate(date.getDate() + days);
  return date;
}

/** The filters in the address bar (so a search can be linked to, and Back works) as the procedure's input. */
function queryInput(filters: Filters) {
  return {
    recipient: filters.recipient,
    subject: filters.subject,
    tag: filters.tag,
    status: filters.status as EmailStatus | undefined,
    since: filters.since ? dayStart(filters.since) : undefined,
    // The range includes its last day.
    before: filters.until ? dayStart(filters.until, 1) : undefined,
    limit: 50,
  };
}

function SearchForm({ filters, onSearch }: { filters: Filters; onSearch: (filters: Filters) => void }) {
  const [draft, setDraft] = useState<Filters>(filters);
  const set = (name: keyof Filters) => (value: string | null) => setDraft((current) => ({ ...current, [name]: value || undefined }));
  const range: DatesRangeValue<string> = [draft.since ?? null, draft.until ?? null];
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSearch(draft);
  };
  return (
    <form onSubmit={submit} role="search" aria-label="Search emails">
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 5 }} spacing="sm">
        <TextInput
          label="Recipient"
          placeholder="part of an address"
          value={draft.recipient ?? ''}
          onChange={(event) => set('recipient')(event.currentTarget.value)}
        />
        <TextInput
          label="Subject"
          placeholder="part of the subject"
          value={draft.subject ?? ''}
          onChange={(event) => set('subject')(event.currentTarget.value)}
        />
        <TextInput label="Tag" placeholder="name or name:value" value={draft.tag ?? ''} onChange={(event) => set('tag')(event.currentTarget.value)} />
        <Select label="Status" placeholder="any" clearable data={[...EMAIL_STATUSES]} value={draft.status ?? null} onChange={set('status')} />
        <DatePickerInput
          type="range"
          label="Created between"
          placeholder="any time"
          clearable
          allowSingleDateInRange
          value={range}
          onChange={([since, until]) => setDraft((current) => ({ ...current, since: since ?? undefined, until: until ?? since ?? undefined }))}
        />
      </SimpleGrid>
      <Group mt="sm" gap="sm">
        <Button type="submit">Search</Button>
        <Button
          variant="default"
          onClick={() => {
            setDraft({});
            onSearch({});
          }}
        >
          Clear
        </Button>
      </Group>
    </form>
  );
}

/** The activity log: every email the organization sent, newest first, searchable; each opens its timeline. */
export function Page() {
  const [params, setParams] = useSearchParams();
  const filters: Filters = Object.fromEntries(FILTERS.flatMap((name) => (params.get(name) ? [[name, params.get(name)!]] : [])));
  const emails = useInfiniteQuery({
    ...trpc.emails.list.infiniteQueryOptions(queryInput(filters), { getNextPageParam: (page) => page.nextCursor }),
    placeholderData: keepPreviousData,
  });
  const filtered = Object.keys(filters).length > 0;

  return (
    <Stack gap="md">
      <div>
        <Title order={1}>Emails</Title>
        <Text size="sm" c="dimmed">
          Every email your products sent through Relay, newest first. Open one for each recipient&apos;s timeline.
        </Text>
      </div>
      <SearchForm
        key={params.toString()}
        filters={filters}
        onSearch={(next) => setParams(Object.fromEntries(Object.entries(next).filter(([, value]) => value)))}
      />

      <PagedTable<EmailRow>
        list={emails}
        label="Emails"
        noun={{ one: 'email', other: 'emails' }}
        errorTitle="Emails did not load"
        emptyText={filtered ? 'No email matches this search.' : 'No emails yet. Send one with POST /api/v1/emails.'}
        columns={[
          { accessor: 'status', title: 'Status', width: 130, render: (email) => <EmailStatusBadge status={email.status} /> },
          {
            accessor: 'subject',
            title: 'Subject',
            render: (email) => (
              <Stack gap={2}>
                <Anchor component={Link} to={`/emails/${email.id}`} size="sm" fw={500} style={{ wordBreak: 'break-word' }}>
                  {email.subject || '(no subject)'}
                </Anchor>
                <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
                  to {email.recipients.join(', ')}
                </Text>
              </Stack>
            ),
          },
          {
            accessor: 'tags',
            title: 'Tags',
            visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.md})`,
            render: (email) => (
              <Group gap={4}>
                {Object.entries(email.tags).map(([name, value]) => (
                  <Badge key={name} variant="outline" size="sm" tt="none">
                    {name}:{value}
                  </Badge>
                ))}
              </Group>
            ),
          },
          {
            accessor: 'createdAt',
            title: 'Created',
            width: 170,
            visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.sm})`,
            render: (email) => formatShortDateTime(email.createdAt),
          },
        ]}
      />
    </Stack>
  );
}
