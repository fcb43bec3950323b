// Taking in what the config loader thread (load-thread-entry.ts) sends for a valid load: the
// values this side does not have yet (packed, value-wire.ts), the documents naming each value by
// number, and the numbers no longer used. What is held is kept, so an unchanged document, and
// each unchanged part of a changed one, stays the same (frozen) object from load to load, which
// is what lets the compile reuse its work. Deserialising and freezing yield to the
// event loop every few milliseconds: a whole new tree is many short tasks, not one long one.
// Used by the router's main thread (load-thread.ts) and its delivery thread (load-port.ts).

import { deepFreeze } from './freeze.ts';
import type { FromLoader } from './load-thread-entry.ts';
import type { Config, Entity, LoadResult, Partner, Profile } from './types.ts';
import { createValueHolder } from './value-wire.ts';

/** Longest stretch of taking in values between two yields to the event loop. */
const SLICE_MS = 8;

export interface ValueStore {
  /**
   * The LoadResult of a reply: an invalid tree's problems, or a valid one's Config (without `docs`
   * and `routingTests`, which stay in the thread).
   */
  take(reply: Exclude<FromLoader, { error: string }>): Promise<LoadResult>;
}

export function createValueStore(): ValueStore {
  /** What this side holds, by number: the document values of the last result taken in and their parts. */
  const values = createValueHolder();
  return {
    async take(result) {
      if (!result.ok) return { ok: false, problems: result.problems };
      let sliceStart = performance.now();
      for (const [n, bytes] of result.values) {
        values.add(n, bytes);
        if (performance.now() - sliceStart >= SLICE_MS) {
          await new Promise((r) => setImmediate(r));
          sliceStart = performance.now();
        }
      }
      const entities = new Map<string, Entity>();
      const partners = new Map<string, Partner>();
      const profiles: Profile[] = [];
      for (const [kind, n] of result.docs) {
        const value = values.get(n);
        if (value === undefined) throw new Error(`the config loader thread named a value it never sent (${n})`);
        if (kind === 'Entity') entities.set((value as Entity).id, value as Entity);
        else if (kind === 'Partner') partners.set((value as Partner).id, value as Partner);
        else profiles.push(value as Profile);
      }
      values.drop(result.dropped);
      const config: Config = deepFreeze({ entities, partners, profiles, routingTests: [], docs: [], hash: result.hash, dir: result.dir });
      return { ok: true, config, problems: result.problems };
    },
  };
}

/** `load`, one call at a time: each takes in values the previous one left. */
export function oneAtATime<A extends unknown[], R>(load: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  let last: Promise<unknown> = Promise.resolve();
  return (...args) => {
    const next = last.then(() => load(...args));
    last = next.catch(() => undefined);
    return next;
  };
}
