import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Typed search attributes so ops can find any workflow in the Temporal UI by
// organization, kind of work and message id. Registered at worker start.
export const RelayOrgId = defineSearchAttributeKey('RelayOrgId', SearchAttributeType.KEYWORD);
export const RelayKind = defineSearchAttributeKey('RelayKind', SearchAttributeType.KEYWORD);
export const RelayMessageId = defineSearchAttributeKey('RelayMessageId', SearchAttributeType.KEYWORD);

export const RELAY_SEARCH_ATTRIBUTES = [RelayOrgId, RelayKind, RelayMessageId] as const;

/** Set by Temporal on every run a Schedule starts: the time the run was due. */
export const TemporalScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
