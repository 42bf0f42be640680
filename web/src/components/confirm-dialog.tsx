import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { ApiErrorAlert } from './api-error.js';

/**
 * The dashboard's "are you sure?" before an action that cannot be taken back (delete,
 * revoke, disconnect, lift): what it does, Relay's refusal when there was one, then
 * "Keep it" or the action in red.
 */
export function ConfirmDialog({
  opened,
  title,
  children,
  action,
  pending,
  error,
  errorTitle,
  onConfirm,
  onClose,
}: {
  opened: boolean;
  title: string;
  /** What happens, in a sentence or two. */
  children: ReactNode;
  /** The red button's label. */
  action: string;
  pending: boolean;
  /** The mutation's error, null while there is none. */
  error: unknown;
  errorTitle: string;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Modal opened={opened} onClose={onClose} title={title}>
      <Stack gap="md">
        {/* Addresses and URLs are long unbroken words. */}
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          {children}
        </Text>
        {error ? <ApiErrorAlert error={error} title={errorTitle} /> : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Keep it
          </Button>
          <Button color="red" loading={pending} onClick={onConfirm}>
            {action}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
