import { ActionIcon, Badge, Button, Code, CopyButton, Group, Paper, Stack, Text, Title, Tooltip } from '@mantine/core';
import { DataTable } from 'mantine-datatable';
import type { Outputs } from '../../trpc.js';

export type Domain = Outputs['domains']['list'][number];
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

/** A value to paste into a DNS provider, with a button that copies it exactly. */
function Copyable({ value, label }: { value: string; label: string }) {
  return (
    <Group gap={4} wrap="nowrap" align="flex-start">
      <Code style={{ wordBreak: 'break-all', whiteSpace: 'normal' }}>{value}</Code>
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? 'Copied' : 'Copy'} withArrow>
            <ActionIcon variant="subtle" size="sm" aria-label={copied ? `Copied ${label}` : `Copy ${label}`} onClick={copy}>
              <span aria-hidden>{copied ? '✓' : '⧉'}</span>
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
              visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.sm})`,
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
              title: 'Name',
              render: (record) => (
                <Stack gap={4}>
                  {/* Narrow screens have no Type and Value columns: both go here. */}
                  <Group gap={6} hiddenFrom="sm">
                    <Text size="sm" fw={500}>
                      {record.type}
                    </Text>
                    <RecordKind record={record} />
                  </Group>
                  <Copyable value={record.name} label={`the name of ${record.label}`} />
                  <Stack gap={2} hiddenFrom="sm">
                    <Text size="xs" c="dimmed">
                      Value
                    </Text>
                    <RecordValue record={record} />
                  </Stack>
                </Stack>
              ),
            },
            {
              accessor: 'value',
              title: 'Value',
              visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.sm})`,
              render: (record) => <RecordValue record={record} />,
            },
            { accessor: 'status', title: 'Status', width: 100, render: (record) => <RecordStatus record={record} /> },
          ]}
        />
      </Stack>
    </Paper>
  );
}
