import { Stack, Title } from '@mantine/core';

export function Page() {
  return (
    <Stack gap="md">
      <Title order={1}>Webhooks</Title>
    </Stack>
  );
}
