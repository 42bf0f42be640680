import { Anchor, Card, Group, List, SimpleGrid, Skeleton, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { Link } from 'react-router';
import { ApiErrorAlert } from '../../components/api-error.js';
import { formatRate } from '../../components/format.js';
import { trpc, type Outputs } from '../../trpc.js';

const SendsChart = lazy(() => import('./sends-chart.js'));

type Period = Outputs['emails']['stats']['today'];

function startOfToday(): Date {
  const today = new Date();
  today.setHours(0, 0, 0, 0);
  return today;
}

function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={700}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Card>
  );
}

function PeriodStats({ title, period }: { title: string; period: Period | undefined }) {
  return (
    <Stack gap="xs" component="section" aria-label={title}>
      <Title order={2} size="h4">
        {title}
      </Title>
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
        {period ? (
          <>
            <Stat label="Sends" value={String(period.accepted)} hint={`${period.sent} accepted by SES`} />
            <Stat label="Delivery rate" value={formatRate(period.deliveryRate)} />
            <Stat label="Bounce rate" value={formatRate(period.bounceRate)} />
            <Stat label="Complaint rate" value={formatRate(period.complaintRate)} />
          </>
        ) : (
          Array.from({ length: 4 }, (_, index) => <Skeleton key={index} h={86} radius="md" />)
        )}
      </SimpleGrid>
    </Stack>
  );
}

/** What needs someone: failed sends this week, webhooks Relay disabled, mail no product took. */
function NeedsAction({ failedSends, weekStart }: { failedSends: number | undefined; weekStart: Date }) {
  const webhooks = useQuery(trpc.webhooks.list.queryOptions());
  const archive = useQuery(trpc.inbound.archiveReasons.queryOptions());
  const failing = webhooks.data?.filter((webhook) => webhook.status === 'failed') ?? [];
  const archived = archive.data?.reduce((total, reason) => total + reason.count, 0) ?? 0;
  const loading = failedSends === undefined || webhooks.isPending || archive.isPending;
  const failedLink = `/emails?${new URLSearchParams({ status: 'failed', since: weekStart.toLocaleDateString('sv') })}`;

  return (
    <Card withBorder component="section" aria-label="Needs action">
      <Title order={2} size="h4" mb="sm">
        Needs action
      </Title>
      {webhooks.isError && <ApiErrorAlert error={webhooks.error} title="Webhooks did not load" onRetry={() => void webhooks.refetch()} />}
      {archive.isError && <ApiErrorAlert error={archive.error} title="The inbound archive did not load" onRetry={() => void archive.refetch()} />}
      {loading ? (
        <Skeleton h={60} />
      ) : failedSends === 0 && failing.length === 0 && archived === 0 ? (
        <Group gap="xs">
          <ThemeIcon color="green" size="sm" radius="xl" aria-hidden>
            ✓
          </ThemeIcon>
          <Text size="sm">Nothing needs you right now.</Text>
        </Group>
      ) : (
        <List spacing="xs" size="sm">
          {failedSends! > 0 && (
            <List.Item>
              <Anchor component={Link} to={failedLink}>
                {failedSends} failed {failedSends === 1 ? 'send' : 'sends'} in the last 7 days
              </Anchor>{' '}
              — open one to see why and replay it.
            </List.Item>
          )}
          {failing.length > 0 && (
            <List.Item>
              <Anchor component={Link} to="/webhooks">
                {failing.length} failing {failing.length === 1 ? 'webhook' : 'webhooks'}
              </Anchor>{' '}
              — {failing.map((webhook) => webhook.url).join(', ')}: disabled after its retries ran out.
            </List.Item>
          )}
          {archived > 0 && (
            <List.Item>
              <Anchor component={Link} to="/inbound-archive">
                {archived} archived inbound {archived === 1 ? 'message' : 'messages'}
              </Anchor>{' '}
              — {archive.data!.map((reason) => `${reason.count} ${reason.reason}`).join(', ')}.
            </List.Item>
          )}
        </List>
      )}
    </Card>
  );
}

/** How sending went today and this week, sends per hour, and what needs action. */
export function Page() {
  const [todayStart] = useState(startOfToday);
  const weekStart = new Date(todayStart);
  weekStart.setDate(weekStart.getDate() - 6);
  const stats = useQuery(trpc.emails.stats.queryOptions({ todayStart }));
  const hours = stats.data?.sendsPerHour ?? [];
  const total = hours.reduce((sum, hour) => sum + hour.sends, 0);
  const peak = Math.max(0, ...hours.map((hour) => hour.sends));

  return (
    <Stack gap="lg">
      <div>
        <Title order={1}>Overview</Title>
        <Text size="sm" c="dimmed">
          Emails accepted today and over the last 7 days; rates are shares of what SES accepted.
        </Text>
      </div>
      {stats.isError && <ApiErrorAlert error={stats.error} title="The numbers did not load" onRetry={() => void stats.refetch()} />}
      <PeriodStats title="Today" period={stats.data?.today} />
      <PeriodStats title="Last 7 days" period={stats.data?.last7Days} />
      <Card withBorder component="section" aria-label="Sends per hour">
        <Group justify="space-between" mb="sm">
          <Title order={2} size="h4">
            Sends per hour, last 24 hours
          </Title>
          {stats.data && (
            <Text size="sm" c="dimmed">
              {total} in all, at most {peak} in an hour
            </Text>
          )}
        </Group>
        <div role="img" aria-label={stats.data ? `Bar chart: ${total} sends in the last 24 hours, at most ${peak} in one hour` : 'Loading the chart'}>
          {stats.data ? (
            <Suspense fallback={<Skeleton h={220} />}>
              <SendsChart hours={hours} />
            </Suspense>
          ) : (
            <Skeleton h={220} />
          )}
        </div>
      </Card>
      <NeedsAction failedSends={stats.data?.last7Days.failed} weekStart={weekStart} />
    </Stack>
  );
}
