// Workflow inputs and results: serialisable, carrying ids, never message bodies
// (Temporal payloads are capped; the body lives in PostgreSQL).

/** Set by `relay replay` on a new run of a workflow that failed. */
export interface ReplayMarker {
  replayOf?: { runId: string };
}

export interface SendEmailInput extends ReplayMarker {
  orgId: string;
  emailId: string;
}

export interface SendEmailResult {
  status: 'sent';
  sesMessageId: string;
}
