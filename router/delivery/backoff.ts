// When to try a delivery again. The first retries come within seconds (a partner restarting, a
// blip), later ones back off to minutes and then an hour. Each delay is jittered downwards so
// many deliveries failing together do not come back together, and never exceeds its step.
// Shared by both queues (the BullMQ backoffStrategy and the in-memory timers).

export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  1_000, 4_000, 15_000, 60_000, 5 * 60_000, 15 * 60_000, 30 * 60_000, 60 * 60_000,
];

export interface BackoffOptions {
  /** Delay before retry n is step n-1; the last step repeats (default 1s, 4s, 15s, 1m, 5m, 15m, 30m, 1h). */
  scheduleMs?: readonly number[];
  /** Fraction of a step that may be taken off at random (default 0.2). */
  jitter?: number;
}

/**
 * Delay before retry number `retry` (1 = the first retry). A partner's Retry-After wins when
 * given, bounded by the schedule's longest step so a partner cannot park a lead forever.
 */
export function retryDelayMs(retry: number, opts: BackoffOptions = {}, retryAfterMs?: number, random: () => number = Math.random): number {
  const schedule = opts.scheduleMs?.length ? opts.scheduleMs : DEFAULT_RETRY_SCHEDULE_MS;
  const longest = Math.max(...schedule);
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs)) {
    return Math.min(Math.max(0, Math.round(retryAfterMs)), longest);
  }
  const step = schedule[Math.min(Math.max(retry, 1), schedule.length) - 1];
  const jitter = Math.min(Math.max(opts.jitter ?? 0.2, 0), 1);
  return Math.max(1, Math.round(step * (1 - jitter * random())));
}
