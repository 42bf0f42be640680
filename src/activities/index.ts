import { createEmailActivities, type EmailActivityDeps } from './emails.js';

export type ActivityDeps = EmailActivityDeps;

/** Every activity, built from injected dependencies; only the worker builds the real ones. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createEmailActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;

/** The activities that run on the rate-limited SES task queue. */
export const SES_ACTIVITY_NAMES = ['sendEmailViaSes'] as const satisfies readonly (keyof Activities)[];
