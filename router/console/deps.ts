// What the console reads beyond the HTTP app's own deps: the lead store's recent-leads index and
// activity counts, the queue's depth, and whether Redis answers. router/runtime wiring makes it
// with consoleSources(); tests make their own.

import type { LeadStore } from '../leads/store.ts';

export interface ConsoleSources {
  leads: Pick<LeadStore, 'get' | 'recent' | 'activity'>;
  /** Jobs waiting, delayed or running. */
  queueDepth(): Promise<number>;
  /** How many dead letters there are. */
  deadLetterCount(): Promise<number>;
  /** Redis: 'ok' or why not; null in embedded mode (no Redis). */
  redisState(): Promise<string | null>;
}

export interface ConsoleSourceParts {
  leads: ConsoleSources['leads'];
  queue: { depth(): Promise<number>; deadLetterCount(): Promise<number> };
  redis?: { ping(): Promise<unknown> };
}

export function consoleSources({ leads, queue, redis }: ConsoleSourceParts): ConsoleSources {
  return {
    leads,
    queueDepth: () => queue.depth(),
    deadLetterCount: () => queue.deadLetterCount(),
    async redisState() {
      if (!redis) return null;
      try {
        await redis.ping();
        return 'ok';
      } catch (err) {
        return `not answering: ${err instanceof Error ? err.message : String(err)}`;
      }
    },
  };
}
