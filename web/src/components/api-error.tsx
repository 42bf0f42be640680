import { Alert, Button, Group, Text } from '@mantine/core';
import { TRPCClientError } from '@trpc/client';

/**
 * The server's own message: tRPC's (which carries the REST API's code, message and, for
 * invalid input, one issue per field), or the REST API's {error: {message}}.
 */
export function describeApiError(error: unknown): string {
  if (!(error instanceof Error)) return 'Something went wrong.';
  if (error instanceof TRPCClientError) {
    const details = (error.data as { error?: { details?: unknown } } | undefined)?.error?.details;
    if (Array.isArray(details) && details.length > 0) {
      return (details as { path?: string; message: string }[]).map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ');
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
