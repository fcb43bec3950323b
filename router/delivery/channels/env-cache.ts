// Resolves `${ENV}` references left in delivery settings at send time, once per settings object
// (config snapshots are immutable, so an object identity is a stable cache key).

import { resolveEnvRefs, type ResolvedEnvRefs } from '../../env-refs.ts';

export type EnvResolver = <T extends object>(settings: T) => ResolvedEnvRefs<T>;

export function createEnvResolver(env: NodeJS.ProcessEnv): EnvResolver {
  const cache = new WeakMap<object, ResolvedEnvRefs<object>>();
  return <T extends object>(settings: T): ResolvedEnvRefs<T> => {
    let resolved = cache.get(settings);
    if (!resolved) {
      resolved = resolveEnvRefs<object>(settings, env);
      cache.set(settings, resolved);
    }
    return resolved as ResolvedEnvRefs<T>;
  };
}

/** The error text for missing references: names only, never values. */
export function missingEnvError(missing: readonly string[]): string {
  return `missing environment variable${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`;
}
