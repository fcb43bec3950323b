// The shape of a free-form `object` field (one that declares no `fields`): the lead's value is
// kept whole and travels everywhere the lead does (rules, the trace, the delivery job, the
// partner's payload), and serialising or cloning it recurses. So it is bounded here, before
// anything else touches it: nesting, array length, and keys that name prototype machinery.
// Pure; stops at the first problem; never throws, never recurses deeper than MAX_DEPTH + 1.

/** Levels of objects and arrays a free-form value may nest (the field's own object is level 1). */
const MAX_DEPTH = 32;
/** Items an array inside a free-form value may hold. */
const MAX_ITEMS = 1000;
/** Keys refused anywhere in a free-form value: they reach or shadow prototypes wherever the lead is copied. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export interface ShapeProblem {
  code: 'maxDepth' | 'maxItems' | 'forbiddenKey';
  message: string;
}

/** null when `value` (at `path`) is within the bounds; else the first problem found. */
export function freeFormProblem(value: unknown, path: string): ShapeProblem | null {
  try {
    return walk(value, [path], 1);
  } catch {
    // A proxy or throwing getter (in-process callers only; JSON has neither): refuse, never guess.
    return { code: 'maxDepth', message: `${path} could not be read` };
  }
}

/** `at`: the path as segments, joined only for a problem. */
function walk(value: unknown, at: string[], depth: number): ShapeProblem | null {
  if (typeof value !== 'object' || value === null) return null;
  if (depth > MAX_DEPTH) return { code: 'maxDepth', message: `${at.join('')} nests objects or arrays more than ${MAX_DEPTH} levels deep` };
  if (Array.isArray(value)) {
    if (value.length > MAX_ITEMS) return { code: 'maxItems', message: `${at.join('')} holds ${value.length} items; at most ${MAX_ITEMS} are allowed` };
    for (let i = 0; i < value.length; i++) {
      at.push(`[${i}]`);
      const p = walk(value[i], at, depth + 1);
      at.pop();
      if (p) return p;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return { code: 'forbiddenKey', message: `${at.join('')} holds the key ${JSON.stringify(key)}, which is never accepted` };
    at.push(`.${key}`);
    const p = walk((value as Record<string, unknown>)[key], at, depth + 1);
    at.pop();
    if (p) return p;
  }
  return null;
}
