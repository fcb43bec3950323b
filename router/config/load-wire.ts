// A LoadResult as JSON, to cross from the config loader thread to the main thread. JSON, not
// structured clone: JSON.parse of a 1,000-profile config takes the main thread ~55 ms where
// v8.deserialize takes ~155 ms, and that time is what a reload blocks requests for.
// Only what JSON keeps exactly may cross: the writer refuses `undefined`, non-finite numbers and
// anything but plain objects and arrays, so the loader falls back to loading on the main thread
// rather than hand over a config that differs from the one loadConfig built.
// The documents (with their position lookups) and routing tests stay behind: the router does not
// use them (the authoring tools load with loadConfig directly).

import type { Config, LoadResult } from './types.ts';

type WireConfig = Omit<Config, 'entities' | 'partners' | 'docs' | 'routingTests'> & {
  entities: [string, unknown][];
  partners: [string, unknown][];
};

// `this[key]` is the value before any toJSON (a Date arrives as a string otherwise).
function exactJson(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  if (original !== value) throw new TypeError(`a value with toJSON does not survive JSON (${key})`);
  if (value === undefined) throw new TypeError('undefined does not survive JSON');
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`${value} does not survive JSON`);
  if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') throw new TypeError(`a ${typeof value} does not survive JSON`);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
    if (proto !== Object.prototype && proto !== null) throw new TypeError(`a ${proto?.constructor?.name ?? 'non-plain'} object does not survive JSON`);
  }
  return value;
}

/** The JSON for `result`; throws when the config holds a value JSON would not keep exactly. */
export function loadResultToJson(result: LoadResult): string {
  if (!result.ok) return JSON.stringify(result, exactJson);
  const { entities, partners, docs: _docs, routingTests: _tests, ...rest } = result.config;
  const config: WireConfig = { ...rest, entities: [...entities], partners: [...partners] };
  return JSON.stringify({ ok: true, problems: result.problems, config }, exactJson);
}

/** The LoadResult back from its JSON (not frozen: the caller freezes it). */
export function loadResultFromJson(json: string): LoadResult {
  const wire = JSON.parse(json) as LoadResult | { ok: true; problems: LoadResult['problems']; config: WireConfig };
  if (!wire.ok) return wire;
  const c = wire.config as WireConfig;
  const config = {
    ...c,
    entities: new Map(c.entities),
    partners: new Map(c.partners),
    docs: [],
    routingTests: [],
  } as unknown as Config;
  return { ok: true, problems: wire.problems, config };
}
