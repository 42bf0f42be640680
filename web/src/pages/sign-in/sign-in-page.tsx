import { Alert, Button, Center, Paper, Stack, Text, Title } from '@mantine/core';
import { useSearchParams } from 'react-router';

/** Only paths of this app come back from Hub (the server checks again). */
function safeReturnPath(value: string | null): string {
  return value && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/sign-in') ? value : '/';
}

export function Page() {
  const [params] = useSearchParams();
  const returnTo = safeReturnPath(params.get('return_to'));
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" radius="md" maw={420} w="100%">
        <Stack gap="md">
          <Title order={1} size="h2">
            Sign in to Relay
          </Title>
          {params.get('ended') && (
            <Alert color="yellow" variant="light" title="Your session ended">
              It expired, you signed out in Hub, or Hub ended it. Sign in again to go on.
            </Alert>
          )}
          <Text size="sm" c="dimmed">
            Relay uses your Hub account. Hub signs you in and sends you back here, to the organization and role Hub has for you.
          </Text>
          {/* A plain link: the server sends the browser on to Hub's sign-in page. */}
          <Button component="a" href={`/api/portal/login?return_to=${encodeURIComponent(returnTo)}`} size="md">
            Sign in with Hub
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
