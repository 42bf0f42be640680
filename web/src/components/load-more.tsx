import { Button, Center, Text } from '@mantine/core';

/** The foot of a keyset-paged list: the next page on request, or a note that this is all. */
export function LoadMore({
  hasNextPage,
  isFetchingNextPage,
  fetchNextPage,
  shown,
  noun,
}: {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
  shown: number;
  noun: string;
}) {
  if (shown === 0) return null;
  return (
    <Center>
      {hasNextPage ? (
        <Button variant="default" onClick={() => void fetchNextPage()} loading={isFetchingNextPage}>
          Show more {noun}
        </Button>
      ) : (
        <Text size="sm" c="dimmed">
          All {shown} {noun} shown.
        </Text>
      )}
    </Center>
  );
}
