import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Text } from '@mantine/core';

/**
 * A secret at the only moment it can be seen: the server keeps it sealed or hashed and never
 * returns it again, so this dialog is the one chance to copy it.
 */
export function SecretOnce({
  title,
  secret,
  onClose,
  children,
}: {
  title: string;
  secret: string | undefined;
  onClose: () => void;
  children?: React.ReactNode;
}) {
  return (
    <Modal opened={secret !== undefined} onClose={onClose} title={title} closeOnClickOutside={false}>
      <Stack gap="sm">
        <Alert color="yellow" variant="light" title="Shown once">
          Copy it now and store it where your code can read it. Relay will not show it again.
        </Alert>
        {children}
        <Code block aria-label="Secret" style={{ wordBreak: 'break-all' }}>
          {secret}
        </Code>
        <Group justify="space-between">
          <CopyButton value={secret ?? ''}>
            {({ copied, copy }) => (
              <Button variant="light" onClick={copy}>
                {copied ? 'Copied' : 'Copy secret'}
              </Button>
            )}
          </CopyButton>
          <Button onClick={onClose}>I have stored it</Button>
        </Group>
        <Text size="xs" c="dimmed">
          Closing this dialog forgets the secret in this browser too.
        </Text>
      </Stack>
    </Modal>
  );
}
