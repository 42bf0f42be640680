import { Alert, Anchor, Badge, Button, Card, Code, Group, List, SimpleGrid, Spoiler, Stack, Text, Timeline, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { ApiErrorAlert } from '../../components/api-error.js';
import { formatBytes, formatDateTime } from '../../components/format.js';
import { PageLoader } from '../../components/page-loader.js';
import { useCan } from '../../components/session.js';
import { queryClient, trpc } from '../../trpc.js';

/** One inbound message as Relay parsed it, where Relay tried to take it, and (for Members) routing it again. */
export function Page() {
  const { id = '' } = useParams();
  const canAct = useCan('Member');
  // After a replay the message is `received` until its workflow decides again: follow it.
  const inbound = useQuery({ ...trpc.inbound.get.queryOptions({ id }), refetchInterval: (query) => (query.state.data?.status === 'received' ? 1500 : false) });
  const replay = useMutation(
    trpc.inbound.replay.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.inbound.get.queryKey({ id }) });
        void queryClient.invalidateQueries({ queryKey: trpc.inbound.archive.infiniteQueryKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.inbound.archiveReasons.queryKey() });
      },
    }),
  );

  const back = (
    <Anchor component={Link} to="/inbound-archive">
      ← Inbound archive
    </Anchor>
  );
  if (inbound.isPending) return <PageLoader label="Loading the message" />;
  if (inbound.isError)
    return (
      <Stack gap="md">
        {back}
        <ApiErrorAlert error={inbound.error} title="This message did not load" onRetry={() => void inbound.refetch()} />
      </Stack>
    );
  const data = inbound.data;
  const message = data.message;

  return (
    <Stack gap="md">
      {back}
      <Group justify="space-between" wrap="wrap" align="flex-start">
        <Stack gap={4}>
          <Title order={1} style={{ wordBreak: 'break-word' }}>
            {message?.subject || '(no subject)'}
          </Title>
          <Group gap="xs">
            <Badge>{data.status}</Badge>
            {data.reason && (
              <Badge variant="light" tt="none">
                {data.reason}
              </Badge>
            )}
            <Text size="sm" c="dimmed">
              received {formatDateTime(data.receivedAt)} through {data.provider}
            </Text>
          </Group>
        </Stack>
        {canAct && data.status === 'archived' && (
          <Button onClick={() => replay.mutate({ id })} loading={replay.isPending}>
            Route again
          </Button>
        )}
      </Group>
      {replay.isError && <ApiErrorAlert error={replay.error} title="Not routed again" />}
      {replay.isSuccess && (
        <Alert color="green" variant="light" title="Routing it again" role="status">
          Relay is routing the message again; its state and attempts follow below.
        </Alert>
      )}
      {!message && (
        <Alert color="gray" variant="light" title="Not parsed">
          Relay archived this request before it could parse a message out of it.
        </Alert>
      )}

      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        {message && (
          <Card withBorder component="section" aria-label="Message">
            <Stack gap="xs">
              <Title order={2} size="h4">
                Message
              </Title>
              <Text size="sm" style={{ wordBreak: 'break-all' }}>
                <Text span fw={500}>
                  From:
                </Text>{' '}
                {message.from.name ? `${message.from.name} <${message.from.address}>` : message.from.address}
              </Text>
              {(
                [
                  ['To', message.to],
                  ['Cc', message.cc],
                ] as const
              )
                .filter(([, list]) => list.length > 0)
                .map(([label, list]) => (
                  <Text size="sm" key={label} style={{ wordBreak: 'break-all' }}>
                    <Text span fw={500}>
                      {label}:
                    </Text>{' '}
                    {list.join(', ')}
                  </Text>
                ))}
              {message.date && (
                <Text size="sm">
                  <Text span fw={500}>
                    Date:
                  </Text>{' '}
                  {message.date}
                </Text>
              )}
              {message.messageId && (
                <Text size="sm" style={{ wordBreak: 'break-all' }}>
                  <Text span fw={500}>
                    Message-ID:
                  </Text>{' '}
                  <Code>{message.messageId}</Code>
                </Text>
              )}
              <Title order={3} size="h5" mt="sm">
                Text
              </Title>
              {/* Shown as text, never rendered: this is mail from outside. */}
              <Spoiler maxHeight={240} showLabel="Show all" hideLabel="Show less">
                <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                  {message.text ?? message.strippedText ?? '(no text part)'}
                </Code>
              </Spoiler>
              {message.html && (
                <Spoiler maxHeight={0} showLabel="Show the HTML source" hideLabel="Hide the HTML source">
                  <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
                    {message.html}
                  </Code>
                </Spoiler>
              )}
            </Stack>
          </Card>
        )}
        <Stack gap="md">
          <Card withBorder component="section" aria-label="Routing attempts">
            <Title order={2} size="h4" mb="sm">
              Routing attempts
            </Title>
            {data.routingAttempts.length === 0 ? (
              <Text size="sm" c="dimmed">
                None recorded.
              </Text>
            ) : (
              <Timeline active={data.routingAttempts.length - 1} bulletSize={14} lineWidth={2}>
                {data.routingAttempts.map((attempt) => (
                  <Timeline.Item
                    key={attempt.id}
                    title={`${attempt.target}: ${attempt.outcome}`}
                    color={attempt.outcome === 'failed' || attempt.outcome === 'archived' ? 'red' : undefined}
                  >
                    {Object.keys(attempt.detail).length > 0 && (
                      <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
                        {JSON.stringify(attempt.detail, null, 2)}
                      </Code>
                    )}
                    <Text size="xs" c="dimmed">
                      {formatDateTime(attempt.at)}
                    </Text>
                  </Timeline.Item>
                ))}
              </Timeline>
            )}
          </Card>
          <Card withBorder component="section" aria-label="Attachments">
            <Title order={2} size="h4" mb="sm">
              Attachments
            </Title>
            {data.attachments.length === 0 ? (
              <Text size="sm" c="dimmed">
                None.
              </Text>
            ) : (
              <List size="sm">
                {data.attachments.map((file) => (
                  <List.Item key={file.id}>
                    {file.filename} ({file.contentType}, {formatBytes(file.size)})
                  </List.Item>
                ))}
              </List>
            )}
          </Card>
        </Stack>
      </SimpleGrid>
    </Stack>
  );
}
