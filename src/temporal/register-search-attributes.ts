import { status as grpcStatus } from '@grpc/grpc-js';
import proto from '@temporalio/proto';
import type { Client } from '@temporalio/client';
import { isGrpcServiceError } from '@temporalio/client';
import { RELAY_SEARCH_ATTRIBUTES } from './search-attributes.js';

const { IndexedValueType } = proto.temporal.api.enums.v1;

/** Registers Relay's search attributes on the namespace; already registered is fine. */
export async function registerSearchAttributes(client: Client, namespace: string): Promise<void> {
  const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
  const missing = RELAY_SEARCH_ATTRIBUTES.filter((key) => !(key.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  try {
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
    });
  } catch (error) {
    // Another process registered them first.
    if (!(isGrpcServiceError(error) && error.code === grpcStatus.ALREADY_EXISTS)) throw error;
  }
}
