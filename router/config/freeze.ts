// Deep freeze: a loaded config is shared by every request and must never change under them.

const refuse = () => {
  throw new TypeError('a loaded config is read-only');
};

/**
 * Freezes `value` and everything reachable from it. An already frozen object counts as visited
 * (so shared objects and cycles cost nothing); the values we freeze are freshly parsed, so no
 * frozen object hides unfrozen children.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function') || Object.isFrozen(value)) return value;
  if (value instanceof Map) {
    // A frozen Map can still be changed through set/delete/clear: refuse them.
    Object.defineProperties(value, { set: { value: refuse }, delete: { value: refuse }, clear: { value: refuse } });
    Object.freeze(value);
    for (const [k, v] of value) {
      deepFreeze(k);
      deepFreeze(v);
    }
    return value;
  }
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
  } else {
    for (const key in value) if (Object.hasOwn(value, key)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
