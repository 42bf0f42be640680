import { Anchor, Badge, Button, Group, List, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { ApiErrorAlert } from '../../components/api-error.js';
import { formatDateTime } from '../../components/format.js';
import { StatusBadge } from '../../components/ticket-badges.js';
import { trpc } from '../../trpc.js';

const SUBSCRIPTION_COLORS: Record<string, string> = { active: 'green', trialing: 'blue', past_due: 'orange', unpaid: 'red', canceled: 'gray' };

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Stack gap={6} component="section" aria-label={title}>
      <Title order={3} size="h5">
        {title}
      </Title>
      {children}
    </Stack>
  );
}

function OtherTickets({ customerId, ticketId }: { customerId: string; ticketId: string }) {
  const tickets = useInfiniteQuery(
    trpc.helpdesk.customerTickets.infiniteQueryOptions(
      { customerId, exceptTicketId: ticketId, limit: 5 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  if (tickets.isPending) return <Loader size="sm" aria-label="Loading other tickets" />;
  if (tickets.isError) return <ApiErrorAlert error={tickets.error} title="Other tickets did not load" onRetry={() => void tickets.refetch()} />;
  const rows = tickets.data.pages.flatMap((page) => page.tickets);
  if (rows.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No other tickets.
      </Text>
    );
  return (
    <>
      <List size="sm" spacing={4} listStyleType="none">
        {rows.map((ticket) => (
          <List.Item key={ticket.id}>
            <Group gap={6} wrap="nowrap">
              <StatusBadge status={ticket.status} />
              <Anchor component={Link} to={`/tickets/${ticket.id}`} size="sm" lineClamp={1}>
                #{ticket.number} {ticket.subject}
              </Anchor>
            </Group>
          </List.Item>
        ))}
      </List>
      {tickets.hasNextPage && (
        <Button size="compact-sm" variant="subtle" loading={tickets.isFetchingNextPage} onClick={() => void tickets.fetchNextPage()}>
          More tickets
        </Button>
      )}
    </>
  );
}

function Orders({ customerId }: { customerId: string }) {
  const orders = useInfiniteQuery(
    trpc.helpdesk.customerOrders.infiniteQueryOptions({ customerId, limit: 5 }, { getNextPageParam: (page) => page.nextCursor ?? undefined }),
  );
  if (orders.isPending) return <Loader size="sm" aria-label="Loading orders" />;
  if (orders.isError) return <ApiErrorAlert error={orders.error} title="Orders did not load" onRetry={() => void orders.refetch()} />;
  const rows = orders.data.pages.flatMap((page) => page.orders);
  if (rows.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No orders from Shopify or Amazon.
      </Text>
    );
  return (
    <>
      <List size="sm" spacing={4} listStyleType="none" aria-label="Orders">
        {rows.map((order) => (
          <List.Item key={order.id}>
            <Text size="sm">
              {order.kind === 'return' ? 'Return' : 'Order'} {order.number} · {order.status ?? 'unknown'} · {order.total ?? '—'} {order.currency ?? ''}
            </Text>
            <Text size="xs" c="dimmed">
              {order.provider}, {formatDateTime(order.updatedAt)}
            </Text>
          </List.Item>
        ))}
      </List>
      {orders.hasNextPage && (
        <Button size="compact-sm" variant="subtle" loading={orders.isFetchingNextPage} onClick={() => void orders.fetchNextPage()}>
          More orders
        </Button>
      )}
    </>
  );
}

/** Who the customer is: contact details, where they wrote from, their Stripe subscription, orders and other tickets. */
export function CustomerPanel({ customerId, ticketId }: { customerId: string; ticketId: string }) {
  const customer = useQuery(trpc.helpdesk.customer.queryOptions({ id: customerId }));
  return (
    <Paper withBorder p="sm" radius="md" component="aside" aria-label="Customer">
      <Stack gap="md">
        <Title order={2} size="h4">
          Customer
        </Title>
        {customer.isPending ? (
          <Loader size="sm" aria-label="Loading the customer" />
        ) : customer.isError ? (
          <ApiErrorAlert error={customer.error} title="The customer did not load" onRetry={() => void customer.refetch()} />
        ) : (
          <>
            <Stack gap={2}>
              <Text fw={600}>{customer.data.name ?? 'No name known'}</Text>
              {customer.data.email && (
                <Anchor href={`mailto:${customer.data.email}`} size="sm" style={{ wordBreak: 'break-all' }}>
                  {customer.data.email}
                </Anchor>
              )}
              {customer.data.phone && <Text size="sm">{customer.data.phone}</Text>}
              <Text size="xs" c="dimmed">
                Customer since {formatDateTime(customer.data.since)}
              </Text>
            </Stack>
            {customer.data.identities.length > 0 && (
              <Section title="Writes from">
                <List size="sm" spacing={2}>
                  {customer.data.identities.map((identity) => (
                    <List.Item key={`${identity.channel}:${identity.identity}`}>
                      {identity.channel}: {identity.identity}
                    </List.Item>
                  ))}
                </List>
              </Section>
            )}
            <Section title="Stripe subscription">
              {customer.data.stripeSubscription ? (
                <Stack gap={2}>
                  <Group gap="xs">
                    <Badge color={SUBSCRIPTION_COLORS[customer.data.stripeSubscription.status] ?? 'gray'}>{customer.data.stripeSubscription.status}</Badge>
                    {customer.data.stripeSubscription.plan && <Text size="sm">{customer.data.stripeSubscription.plan}</Text>}
                  </Group>
                  {customer.data.stripeSubscription.currentPeriodEnd && (
                    <Text size="xs" c="dimmed">
                      {customer.data.stripeSubscription.cancelAtPeriodEnd ? 'Ends' : 'Renews'}{' '}
                      {formatDateTime(customer.data.stripeSubscription.currentPeriodEnd)}
                    </Text>
                  )}
                </Stack>
              ) : (
                <Text size="sm" c="dimmed">
                  No subscription in the connected Stripe account.
                </Text>
              )}
            </Section>
            <Section title="Orders">
              <Orders customerId={customerId} />
            </Section>
            <Section title="Other tickets">
              <OtherTickets customerId={customerId} ticketId={ticketId} />
            </Section>
          </>
        )}
      </Stack>
    </Paper>
  );
}
