import { Button, Center, Text } from '@mantine/core';

/** What the foot of a list needs from its infinite query. */
interface PagedList {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
}

/** The foot of a keyset-paged list: the next page on request, or a note that this is all. */
export function LoadMore({ list, shown, noun }: { list: PagedList; shown: number; noun: string }) {
  if (shown === 0) return null;
  return (
    <Center>
      {list.hasNextPage ? (
        <Button variant="default" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
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
