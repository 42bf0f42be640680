import { Button, Center, Text } from '@mantine/core';
import { DataTable, type DataTableColumn } from 'mantine-datatable';
import { ApiErrorAlert } from './api-error.js';

/** What a paged table needs from its infinite query (TanStack's, over a tRPC `{items, nextCursor}` list). */
export interface PagedList<T> {
  data?: { pages: { items: T[] }[] };
  error: unknown;
  isError: boolean;
  isPending: boolean;
  /** True while a changed search shows the previous results (`placeholderData: keepPreviousData`). */
  isPlaceholderData: boolean;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
  refetch: () => unknown;
}

/** Every row the list's loaded pages hold, in order. */
export const loadedItems = <T,>(list: PagedList<T>): T[] => list.data?.pages.flatMap((page) => page.items) ?? [];

/** A list's noun for its foot, in English's two numbers: `{ one: 'domain', other: 'domains' }`. */
export interface Noun {
  one: string;
  other: string;
}

/**
 * A keyset-paged list as a table: the rows loaded so far, a retryable alert in its place when
 * the list did not load, and a foot that loads the next page on request or says that is all.
 */
export function PagedTable<T>({
  list,
  label,
  noun,
  errorTitle,
  emptyText,
  emptyHeight = 180,
  idAccessor,
  columns,
}: {
  list: PagedList<T>;
  /** The table's accessible name. */
  label: string;
  noun: Noun;
  errorTitle: string;
  emptyText: string;
  emptyHeight?: number;
  /** The field that tells rows apart, when it is not `id`. */
  idAccessor?: string;
  columns: DataTableColumn<T>[];
}) {
  if (list.isError) return <ApiErrorAlert error={list.error} title={errorTitle} onRetry={() => void list.refetch()} />;
  const records = loadedItems(list);
  return (
    <>
      <DataTable<T>
        aria-label={label}
        idAccessor={idAccessor}
        withTableBorder
        borderRadius="md"
        minHeight={records.length ? undefined : emptyHeight}
        fetching={list.isPending || list.isPlaceholderData}
        records={records}
        noRecordsText={emptyText}
        columns={columns}
      />
      {records.length > 0 && (
        <Center>
          {list.hasNextPage ? (
            <Button variant="default" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
              Show more {noun.other}
            </Button>
          ) : (
            <Text size="sm" c="dimmed">
              {records.length === 1 ? `This is the only ${noun.one}.` : `All ${records.length} ${noun.other} shown.`}
            </Text>
          )}
        </Center>
      )}
    </>
  );
}
