import { Alert, List, Stack, Text, Title } from '@mantine/core';

/**
 * What a page will show, said plainly, for pages whose server procedures do not exist
 * yet: nothing on it pretends to be data.
 */
export function NotBuiltYet({ title, planned }: { title: string; planned: string[] }) {
  return (
    <Stack gap="md" maw={720}>
      <Title order={1}>{title}</Title>
      <Alert variant="light" color="gray" title="Not built yet">
        <Text size="sm">This page has no server procedures yet, so it shows nothing rather than made-up data. It will show:</Text>
        <List size="sm" mt="xs">
          {planned.map((item) => (
            <List.Item key={item}>{item}</List.Item>
          ))}
        </List>
      </Alert>
    </Stack>
  );
}
