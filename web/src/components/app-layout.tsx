import { AppShell, Badge, Burger, Center, Group, Menu, Stack, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure, useMediaQuery } from '@mantine/hooks';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Suspense } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { NAV_SECTIONS } from '../navigation.js';
import { CSRF_HEADER, isUnauthorized, queryClient, trpc } from '../trpc.js';
import { ApiErrorAlert } from './api-error.js';
import classes from './app-layout.module.css';
import { PageLoader } from './page-loader.js';
import { SessionContext, type Me } from './session.js';

/** The pages, a labelled list per section (messages, then settings). */
function PageLinks({ onNavigate }: { onNavigate?: () => void }) {
  const { pathname } = useLocation();
  const isCurrent = (page: { path: string; within?: readonly string[] }) =>
    page.path === '/' ? pathname === '/' : [page.path, ...(page.within ?? [])].some((path) => pathname === path || pathname.startsWith(`${path}/`));
  return NAV_SECTIONS.map((section) => (
    <div key={section.label}>
      <Text id={`nav-${section.label}`} size="xs" fw={700} c="dimmed" tt="uppercase" px={10} pb={4}>
        {section.label}
      </Text>
      <Stack component="ul" aria-labelledby={`nav-${section.label}`} gap={2} className={classes.list}>
        {section.pages.map((page) => (
          <li key={page.path}>
            <Link to={page.path} aria-current={isCurrent(page) ? 'page' : undefined} className={classes.link} onClick={onNavigate}>
              {page.label}
            </Link>
          </li>
        ))}
      </Stack>
    </div>
  ));
}

function AccountMenu({ me }: { me: Me }) {
  const navigate = useNavigate();
  // The one call outside tRPC: POST /api/portal/logout also clears the HttpOnly cookie.
  const logout = useMutation({
    mutationFn: async () => {
      const response = await fetch('/api/portal/logout', { method: 'POST', headers: CSRF_HEADER });
      if (!response.ok) throw new Error(`signing out failed (HTTP ${response.status})`);
    },
    onSuccess: async () => {
      await navigate('/sign-in', { replace: true });
      queryClient.clear();
    },
  });
  const name = me.user.name ?? me.user.email ?? 'Signed in';
  return (
    <>
      <Menu position="bottom-end" width={260}>
        <Menu.Target>
          <UnstyledButton aria-label={`Account: ${name}, ${me.role}`} className={classes.account}>
            <Group gap="xs" wrap="nowrap">
              <Text size="sm" fw={500} visibleFrom="sm" truncate maw={180}>
                {name}
              </Text>
              <Badge variant="light" style={{ flexShrink: 0 }}>
                {me.role}
              </Badge>
            </Group>
          </UnstyledButton>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>{me.org.name}</Menu.Label>
          <Text size="sm" px="sm" pb="xs">
            {name}
            {me.user.email && me.user.email !== name && (
              <Text span size="xs" c="dimmed" display="block">
                {me.user.email}
              </Text>
            )}
          </Text>
          <Menu.Divider />
          <Menu.Item onClick={() => logout.mutate()}>Sign out</Menu.Item>
        </Menu.Dropdown>
      </Menu>
      {logout.isError && <ApiErrorAlert error={logout.error} title="Could not sign out" />}
    </>
  );
}

/** The signed-in dashboard: a sidebar of pages by section (behind a menu button under 768 px), the account menu, then the page. */
export function AppLayout() {
  const [menuOpen, menu] = useDisclosure(false);
  const wide = useMediaQuery('(min-width: 48em)', true, { getInitialValueInEffect: false });
  const me = useQuery(trpc.session.me.queryOptions());

  // A 401 sends the browser to sign-in (router.tsx); until then, nothing of the app shows.
  if (me.isPending || isUnauthorized(me.error)) return <PageLoader label="Checking your session" />;
  if (me.isError) {
    return (
      <Center mih="100vh" p="md">
        <ApiErrorAlert error={me.error} title="Relay could not load your session" onRetry={() => void me.refetch()} />
      </Center>
    );
  }

  return (
    <SessionContext value={me.data}>
      <AppShell header={{ height: 56 }} navbar={{ width: 260, breakpoint: 'sm', collapsed: { mobile: !menuOpen } }} padding="md">
        <a href="#main" className={classes.skipLink}>
          Skip to content
        </a>
        <AppShell.Header>
          <Group h="100%" px="md" gap="md" wrap="nowrap" justify="space-between">
            <Group gap="md" wrap="nowrap">
              <Burger opened={menuOpen} onClick={menu.toggle} hiddenFrom="sm" size="sm" aria-label={menuOpen ? 'Close navigation' : 'Open navigation'} />
              <Text fw={700} size="lg">
                Relay
              </Text>
            </Group>
            <AccountMenu me={me.data} />
          </Group>
        </AppShell.Header>
        {/* On a narrow screen, rendered only while open: a collapsed navbar would leave its links to tab through off screen. */}
        {(wide || menuOpen) && (
          <AppShell.Navbar p="sm" aria-label="Main">
            <Stack gap="md">
              <PageLinks onNavigate={wide ? undefined : menu.close} />
            </Stack>
          </AppShell.Navbar>
        )}
        <AppShell.Main id="main">
          <Suspense fallback={<PageLoader />}>
            <Outlet />
          </Suspense>
        </AppShell.Main>
      </AppShell>
    </SessionContext>
  );
}
