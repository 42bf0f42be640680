import { Anchor, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';

export function Page() {
  return (
    <Stack gap="sm">
      <Title order={1}>Page not found</Title>
      <Text>There is no dashboard page at this address.</Text>
      <Anchor component={Link} to="/">
        Go to the overview
      </Anchor>
    </Stack>
  );
}
