// `${NAME}` references in delivery settings, resolved from the environment. Secrets live only in the
// environment; the profile files hold references. Missing names are reported, never values.
// The one home of the reference syntax: routing resolves with it, the profile checks parse with it.

/** A `${NAME}` reference; group 1 is the name. Global: reset `lastIndex` before `test`/`exec`. */
export const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function hasEnvRef(s: string): boolean {
  ENV_REF.lastIndex = 0;
  return ENV_REF.test(s);
}

export function stripEnvRefs(s: string): string {
  return s.replace(ENV_REF, '');
}

export interface ResolvedEnvRefs<T> {
  value: T;
  /** Names referenced but not set in the environment, each once, in order of first use. */
  missing: string[];
}

/**
 * Replaces every `${NAME}` in every string of `value` (deep: objects and arrays) with
 * `env[NAME]`. A missing name becomes the empty string and is listed in `missing`.
 * `value` is not modified; objects are copied only where a string changes.
 */
export function resolveEnvRefs<T>(value: T, env: NodeJS.ProcessEnv): ResolvedEnvRefs<T> {
  const missing = new Set<string>();
  const resolved = walk(value, env, missing) as T;
  return { value: resolved, missing: [...missing] };
}

function walk(value: unknown, env: NodeJS.ProcessEnv, missing: Set<string>): unknown {
  if (typeof value === 'string') return resolveString(value, env, missing);
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const next = walk(item, env, missing);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? out : value;
  }
  if (isPlainObject(value)) {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const next = walk(item, env, missing);
      if (next !== item) changed = true;
      out[key] = next;
    }
    return changed ? out : value;
  }
  return value;
}

function resolveString(text: string, env: NodeJS.ProcessEnv, missing: Set<string>): string {
  if (!text.includes('${')) return text;
  return text.replace(ENV_REF, (_ref, name: string) => {
    const found = env[name];
    if (found === undefined) {
      missing.add(name);
      return '';
    }
    return found;
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
