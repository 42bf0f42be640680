// What other capabilities use of usage: the organization's limits and its daily send quota.
export { claimDailySends, DailyQuotaExceeded, type OrgLimits } from './limits.js';
