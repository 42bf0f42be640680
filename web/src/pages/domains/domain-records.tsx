import { ActionIcon, Badge, Button, Code, CopyButton, Group, Paper, Stack, Text, Title, Tooltip, useMantineTheme } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { DataTable } from 'mantine-datatable';
import type { Outputs } from '../../trpc.js';

export type Domain = Outputs['domains']['get'];
type DnsRecord = Domain['records'][number];
type Row = DnsRecord & { key: string; label: string };

const PURPOSE: Record<DnsRecord['purpose'], string> = {
  dkim: 'DKIM',
  mail_from_mx: 'MAIL FROM',
  mail_from_spf: 'MAIL FROM SPF',
  dmarc: 'DMARC',
};

/** Where one record stands, as Relay last saw it (SES for DKIM and MAIL FROM, DNS for DMARC). */
function RecordStatus({ record }: { record: DnsRecord }) {
  switch (record.status) {
    case 'verified':
    case 'found':
      return <Badge color="green">{record.status}</Badge>;
    case 'failed':
      return <Badge color="red">failed</Badge>;
    case 'missing':
      return <Badge color="gray">not found</Badge>;
    case 'pending':
      return <Badge color="yellow">pending</Badge>;
  }
}

// Drawn here: the system fonts the app relies on lack reliable copy and check glyphs.
function CopyIcon() {
  return (
    <svg width={14} height={14} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} aria-hidden>
      <rect x={9} y={9} width={12} height={12} rx={2} />
      <path d="M5 15V5a2 2 0 0 1 2-2h8" />
    </svg>
  );
}

function CheckIcon() {
  return (
    <svg width={14} height={14} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2.5} aria-hidden>
      <path d="M4 12l5 5L20 6" />
    </svg>
  );
}

/** A value to paste into a DNS provider, with a button that copies it exactly. */
function Copyable({ value, label }: { value: string; label: string }) {
  return (
    <Group gap={4} wrap="nowrap" align="flex-start">
      <Code style={{ wordBreak: 'break-all', whiteSpace: 'normal' }}>{value}</Code>
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? 'Copied' : 'Copy'} withArrow>
            <ActionIcon variant="subtle" size="sm" aria-label={copied ? `Copied ${label}` : `Copy ${label}`} onClick={copy}>
              {copied ? <CheckIcon /> : <CopyIcon />}
            </ActionIcon>
          </Tooltip>
        )}
      </CopyButton>
    </Group>
  );
}

/** What people call each record, numbered where there are several (the three DKIM CNAMEs). */
function rowsOf(records: DnsRecord[]): Row[] {
  return records.map((record, index) => {
    const same = records.filter((other) => other.purpose === record.purpose);
    const label = same.length > 1 ? `${PURPOSE[record.purpose]} record ${same.indexOf(record) + 1}` : `${PURPOSE[record.purpose]} record`;
    return { ...record, key: `${record.purpose}-${index}`, label };
  });
}

function RecordKind({ record }: { record: Row }) {
  return (
    <Text size="xs" c="dimmed">
      {record.label}
      {record.required ? '' : ', recommended'}
    </Text>
  );
}

function RecordValue({ record }: { record: Row }) {
  return (
    <Stack gap={2}>
      <Copyable value={record.value} label={`the value of ${record.label}`} />
      {record.priority !== undefined && (
        <Text size="xs" c="dimmed">
          priority {record.priority}
        </Text>
      )}
    </Stack>
  );
}

/**
 * The DNS records the organization publishes for one domain, each with copy buttons and
 * its status: the domain verifies once the required ones are seen; DMARC is recommended.
 */
export function DomainRecords({ domain, onClose }: { domain: Domain; onClose: () => void }) {
  const title = `DNS records for ${domain.name}`;
  // Narrow screens get one column per record (type, name, value, status stacked): four side by side leave no room for the values.
  const wide = useMediaQuery(`(min-width: ${useMantineTheme().breakpoints.sm})`);
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-label={title}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap">
          <Title order={2} size="h3">
            {title}
          </Title>
          <Button size="compact-sm" variant="default" onClick={onClose}>
            Close
          </Button>
        </Group>
        <Text size="sm" c="dimmed">
          Publish these at your DNS provider. Relay keeps checking on its own (for up to 72 hours) until the required records are seen; DMARC is not required,
          but mailbox providers trust a domain that has it.
        </Text>
        <DataTable<Row>
          aria-label={title}
          idAccessor="key"
          withTableBorder
          borderRadius="md"
          records={rowsOf(domain.records)}
          columns={[
            {
              accessor: 'type',
              title: 'Type',
              width: 130,
              hidden: !wide,
              render: (record) => (
                <Stack gap={2}>
                  <Text size="sm" fw={500}>
                    {record.type}
                  </Text>
                  <RecordKind record={record} />
                </Stack>
              ),
            },
            {
              accessor: 'name',
              title: wide ? 'Name' : 'Record',
              render: (record) =>
                wide ? (
                  <Copyable value={record.name} label={`the name of ${record.label}`} />
                ) : (
                  <Stack gap={4}>
                    <Group gap={6} justify="space-between">
                      <Group gap={6}>
                        <Text size="sm" fw={500}>
                          {record.type}
                        </Text>
                        <RecordKind record={record} />
                      </Group>
                      <RecordStatus record={record} />
                    </Group>
                    <Text size="xs" c="dimmed">
                      Name
                    </Text>
                    <Copyable value={record.name} label={`the name of ${record.label}`} />
                    <Text size="xs" c="dimmed">
                      Value
                    </Text>
                    <RecordValue record={record} />
                  </Stack>
                ),
            },
            { accessor: 'value', title: 'Value', hidden: !wide, render: (record) => <RecordValue record={record} /> },
            { accessor: 'status', title: 'Status', hidden: !wide, render: (record) => <RecordStatus record={record} /> },
          ]}
        />
      </Stack>
    </Paper>
  );
}
