// The baseline: a workflow that does nothing, to measure what a bare workflow start costs.
export async function noopWorkflow(): Promise<void> {}
