import { Alert, Anchor, Badge, Button, Card, Code, Group, Select, SimpleGrid, Stack, Table, Text, Timeline, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiErrorAlert } from '../../components/api-error.js';
import { EmailStatusBadge } from '../../components/email-status.js';
import { formatDateTime } from '../../components/format.js';
import { PageLoader } from '../../components/page-loader.js';
import { queryClient, trpc, type Outputs } from '../../trpc.js';

type Email = Outputs['emails']['get'];
type TimelineEvent = Email['events'][number];

const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);

/** One timeline entry in words: what happened, to whom, and the detail that explains it. */
function describe(event: TimelineEvent): { title: string; detail?: string } {
  const who = event.recipient ?? 'the message';
  const d = event.detail;
  switch (event.type) {
    case 'queued':
      return { title: 'Accepted by the API' };
    case 'sent':
      return { title: 'Sent through SES', detail: text(d.ses_message_id) && `SES message id ${text(d.ses_message_id)}` };
    case 'delivered':
      return { title: `Delivered to ${who}`, detail: text(d.smtp_response) };
    case 'opened':
      return { title: `Opened by ${who}`, detail: text(d.user_agent) };
    case 'clicked':
      return { title: `${who} clicked a link`, detail: text(d.url) };
    case 'bounced':
      return {
        title: `Bounced at ${who}${text(d.bounce_type) ? ` (${text(d.bounce_type)}${text(d.bounce_sub_type) ? `, ${text(d.bounce_sub_type)}` : ''})` : ''}`,
        detail: text(d.diagnostic_code) ?? text(d.status),
      };
    case 'complained':
      return { title: `${who} marked it as spam`, detail: text(d.feedback_type) && `feedback type ${text(d.feedback_type)}` };
    case 'delayed':
      return { title: `Delivery to ${who} delayed`, detail: text(d.diagnostic_code) ?? text(d.delay_type) };
    case 'suppressed':
      return { title: `Not sent to ${who}: the address is suppressed`, detail: text(d.reason) };
    case 'failed':
      return { title: 'Sending failed', detail: text(d.reason) };
    case 'replayed':
      return { title: 'Replayed', detail: text(d.replay_of_run_id) && `after run ${text(d.replay_of_run_id)}` };
    case 'rejected':
      return { title: 'Rejected by SES', detail: text(d.reason) };
    case 'rendering_failed':
      return { title: 'SES could not render it', detail: text(d.error) };
    case 'bounce_reported':
      return { title: `A bounce report about ${who} arrived as mail (unverified)` };
    default:
      return { title: event.type };
  }
}

const FAILING = new Set(['bounced', 'complained', 'failed', 'rejected', 'rendering_failed']);

function EmailTimeline({ email }: { email: Email }) {
  const [recipient, setRecipient] = useState('all');
  const events = recipient === 'all' ? email.events : email.events.filter((event) => event.recipient === null || event.recipient === recipient);
  return (
    <Stack gap="sm">
      {email.recipients.length > 1 && (
        <Select
          label="Whose timeline"
          allowDeselect={false}
          maw={360}
          value={recipient}
          onChange={(value) => setRecipient(value ?? 'all')}
          data={[{ value: 'all', label: 'Everyone' }, ...email.recipients.map((address) => ({ value: address, label: address }))]}
        />
      )}
      <Timeline active={events.length - 1} bulletSize={14} lineWidth={2} aria-label="Timeline">
        {events.map((event) => {
          const { title, detail } = describe(event);
          return (
            <Timeline.Item key={event.id} title={title} color={FAILING.has(event.type) ? 'red' : undefined}>
              {detail && (
                <Text size="sm" style={{ wordBreak: 'break-all' }}>
                  {detail}
                </Text>
              )}
              <Text size="xs" c="dimmed">
                {formatDateTime(event.at)}
              </Text>
            </Timeline.Item>
          );
        })}
      </Timeline>
    </Stack>
  );
}

function KeyValues({ label, values }: { label: string; values: Record<string, string> }) {
  const entries = Object.entries(values);
  if (entries.length === 0)
    return (
      <Text size="sm" c="dimmed">
        None.
      </Text>
    );
  return (
    <Table aria-label={label} withRowBorders={false} verticalSpacing={4}>
      <Table.Tbody>
        {entries.map(([name, value]) => (
          <Table.Tr key={name}>
            <Table.Th scope="row" w="40%" style={{ wordBreak: 'break-all' }}>
              {name}
            </Table.Th>
            <Table.Td style={{ wordBreak: 'break-all' }}>{value}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Card withBorder component="section" aria-label={title}>
      <Title order={2} size="h4" mb="sm">
        {title}
      </Title>
      {children}
    </Card>
  );
}

/** One email: who it went to and where each copy stands, its whole timeline, what was sent, and its workflow. */
export function Page() {
  const { id = '' } = useParams();
  // While a send is in flight (say, after a replay), the page follows it.
  const email = useQuery({ ...trpc.emails.get.queryOptions({ id }), refetchInterval: (query) => (query.state.data?.status === 'queued' ? 1500 : false) });
  const replay = useMutation(
    trpc.emails.replay.mutationOptions({ onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.emails.get.queryKey({ id }) }) }),
  );

  if (email.isPending) return <PageLoader label="Loading the email" />;
  if (email.isError)
    return (
      <Stack gap="md">
        <Anchor component={Link} to="/emails">
          ← All emails
        </Anchor>
        <ApiErrorAlert error={email.error} title="This email did not load" onRetry={() => void email.refetch()} />
      </Stack>
    );
  const data = email.data;
  const addresses: [string, string[]][] = [
    ['To', data.to],
    ['Cc', data.cc],
    ['Bcc', data.bcc],
    ['Reply to', data.replyTo],
  ];

  return (
    <Stack gap="md">
      <Anchor component={Link} to="/emails">
        ← All emails
      </Anchor>
      <Group justify="space-between" wrap="wrap" align="flex-start">
        <Stack gap={4}>
          <Title order={1} style={{ wordBreak: 'break-word' }}>
            {data.subject || '(no subject)'}
          </Title>
          <Group gap="xs">
            <EmailStatusBadge status={data.status} />
            <Text size="sm" c="dimmed">
              from {data.from}, {formatDateTime(data.createdAt)}
            </Text>
          </Group>
        </Stack>
        {data.canReplay && (
          <Button onClick={() => replay.mutate({ id })} loading={replay.isPending}>
            Replay send
          </Button>
        )}
      </Group>
      {data.failureReason && (
        <Alert color="red" variant="light" title="Why it failed">
          {data.failureReason}
        </Alert>
      )}
      {replay.isError && <ApiErrorAlert error={replay.error} title="Not replayed" />}
      {replay.isSuccess && (
        <Alert color="green" variant="light" title="Replaying" role="status">
          A new run of {data.workflowId} is sending it again; its timeline follows below.
        </Alert>
      )}

      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Section title="Recipients">
          <Table aria-label="Recipients" verticalSpacing={6}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Address</Table.Th>
                <Table.Th>State</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.recipientStates.map((recipient) => (
                <Table.Tr key={recipient.address}>
                  <Table.Td style={{ wordBreak: 'break-all' }}>{recipient.address}</Table.Td>
                  <Table.Td>
                    <EmailStatusBadge status={recipient.status} />
                    {recipient.at && (
                      <Text size="xs" c="dimmed">
                        {formatDateTime(recipient.at)}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Section>
        <Section title="Timeline">
          <EmailTimeline email={data} />
        </Section>
        <Section title="Message">
          <Stack gap="xs">
            {addresses
              .filter(([, list]) => list.length > 0)
              .map(([label, list]) => (
                <Text size="sm" key={label} style={{ wordBreak: 'break-all' }}>
                  <Text span fw={500}>
                    {label}:
                  </Text>{' '}
                  {list.join(', ')}
                </Text>
              ))}
            <Text size="sm">
              <Text span fw={500}>
                Relay id:
              </Text>{' '}
              <Code>{data.id}</Code>
            </Text>
            {data.sesMessageId && (
              <Text size="sm">
                <Text span fw={500}>
                  SES message id:
                </Text>{' '}
                <Code>{data.sesMessageId}</Code>
              </Text>
            )}
            <Text size="sm">
              <Text span fw={500}>
                Workflow:
              </Text>{' '}
              {data.workflowUrl ? (
                <Anchor href={data.workflowUrl} target="_blank" rel="noreferrer">
                  {data.workflowId} in the Temporal UI
                </Anchor>
              ) : (
                <Code>{data.workflowId}</Code>
              )}
            </Text>
          </Stack>
        </Section>
        <Section title="Headers">
          <KeyValues label="Headers" values={data.headers} />
        </Section>
        <Section title="Tags">
          {Object.keys(data.tags).length > 0 ? (
            <Group gap={4}>
              {Object.entries(data.tags).map(([name, value]) => (
                <Badge key={name} variant="outline" tt="none">
                  {name}:{value}
                </Badge>
              ))}
            </Group>
          ) : (
            <Text size="sm" c="dimmed">
              None.
            </Text>
          )}
        </Section>
        <Section title="Metadata">
          <KeyValues label="Metadata" values={data.metadata} />
        </Section>
      </SimpleGrid>
    </Stack>
  );
}
