import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Typed search attributes so ops can find any workflow in the Temporal UI by
// organization, kind of work and message id. Registered at worker start.
export const RelayOrgId = defineSearchAttributeKey('RelayOrgId', SearchAttributeType.KEYWORD);
export const RelayKind = defineSearchAttributeKey('RelayKind', SearchAttributeType.KEYWORD);
export const RelayMessageId = defineSearchAttributeKey('RelayMessageId', SearchAttributeType.KEYWORD);

export const RELAY_SEARCH_ATTRIBUTES = [RelayOrgId, RelayKind, RelayMessageId] as const;
