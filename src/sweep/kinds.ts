/**
 * Every kind of received work the sweep looks for, each a table of rows stored by a route
 * (or an activity) and handed to a workflow afterwards: rows stored when that hand-over
 * failed (Temporal down, a process killed in between) are started from here.
 */
export const STRANDED_KINDS = [
  'email',
  'inbound',
  'sns-message',
  'channel-message',
  'dialpad-call',
  'commerce-event',
  'webhook-event',
  'partner-delivery',
] as const;
export type StrandedKind = (typeof STRANDED_KINDS)[number];
