import { Alert, Button, Group, Text } from '@mantine/core';
import { TRPCClientError } from '@trpc/client';

/**
 * The server's own message: tRPC's, or the REST API's {error: {message}}. Input validation
 * errors arrive as zod's list of issues and are shown one per field.
 */
export function describeApiError(error: unknown): string {
  if (!(error instanceof Error)) return 'Something went wrong.';
  if (error instanceof TRPCClientError && error.message.startsWith('[')) {
    try {
      const issues = JSON.parse(error.message) as { path?: (string | number)[]; message: string }[];
      return issues.map((issue) => (issue.path?.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
    } catch {
      // not zod's list: the message as it is
    }
  }
  return error.message || 'Something went wrong.';
}

export function ApiErrorAlert({ error, title = 'The server refused this', onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  return (
    <Alert color="red" variant="light" title={title} role="alert">
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Text size="sm">{describeApiError(error)}</Text>
        {onRetry && (
          <Button size="xs" variant="light" color="red" onClick={onRetry}>
            Try again
          </Button>
        )}
      </Group>
    </Alert>
  );
}
