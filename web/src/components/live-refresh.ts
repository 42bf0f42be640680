/**
 * New customer messages must show within 5 s without a reload: the inbox and the ticket ask
 * again every 4 s (TanStack Query's refetchInterval). Polling keeps the API stateless across
 * processes; server-sent events would need a cross-process notification channel for a 5 s target.
 */
export const LIVE_REFRESH_MS = 4000;
