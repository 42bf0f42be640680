// Search attributes from inside workflow code (workflow code only: it reads workflowInfo()).
import { patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import { RelayKind, RelayOrgId } from './search-attributes.js';

/**
 * A child's attributes: its kind and this workflow's organization. Children inherit
 * nothing by themselves, and ops filter every workflow of an organization by RelayOrgId.
 */
export function childAttributes(kind: string): SearchAttributePair[] {
  const orgId = workflowInfo().typedSearchAttributes.get(RelayOrgId);
  return [{ key: RelayKind, value: kind }, ...(orgId ? [{ key: RelayOrgId, value: orgId }] : [])];
}

/**
 * Sets RelayOrgId once the workflow learns its organization (an inbound email after
 * routing, an SES event after matching its email, a commerce event after attribution).
 * Behind a patch: runs started before it replay without the new command.
 * `startedAfterPatch`: the run's input says it started after the change, so the patch (a
 * marker and a change-version update of its own) is not consulted.
 */
export function tagOrganization(orgId: string | null | undefined, options: { startedAfterPatch?: boolean } = {}): void {
  if (!orgId || workflowInfo().typedSearchAttributes.get(RelayOrgId) === orgId) return;
  if (options.startedAfterPatch || patched('relay-org-search-attribute')) upsertSearchAttributes([{ key: RelayOrgId, value: orgId }]);
}
