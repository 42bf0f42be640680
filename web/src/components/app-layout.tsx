import { AppShell, Burger, Group, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Suspense } from 'react';
import { NavLink, Outlet } from 'react-router';
import { PAGES } from '../navigation.js';
import classes from './app-layout.module.css';
import { PageLoader } from './page-loader.js';

function PageLinks({ onNavigate }: { onNavigate?: () => void }) {
  return PAGES.map((page) => (
    <NavLink key={page.path} to={page.path} end={page.path === '/'} className={classes.link} onClick={onNavigate}>
      {page.label}
    </NavLink>
  ));
}

/** The signed-in dashboard: top navigation (a menu under 1200 px), then the page. */
export function AppLayout() {
  const [menuOpen, menu] = useDisclosure(false);
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 280, breakpoint: 'lg', collapsed: { desktop: true, mobile: !menuOpen } }} padding="md">
      <a href="#main" className={classes.skipLink}>
        Skip to content
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" gap="md" wrap="nowrap">
          <Burger opened={menuOpen} onClick={menu.toggle} hiddenFrom="lg" size="sm" aria-label={menuOpen ? 'Close navigation' : 'Open navigation'} />
          <Text fw={700} size="lg">
            Relay
          </Text>
          <Group component="nav" aria-label="Main" gap={2} visibleFrom="lg" wrap="nowrap">
            <PageLinks />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label="Main">
        <Stack gap={2}>
          <PageLinks onNavigate={menu.close} />
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main id="main">
        <Suspense fallback={<PageLoader />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
