// Structural sharing between two loads of one file: a document parsed again takes, wherever its
// new value equals its previous one, the previous (frozen) objects. A file rewritten with one field
// changed (a description, a cap) then keeps every other object it had, and what is kept by object
// (the compiled rules of each rule list, the loader thread's numbering of what it already sent)
// is reused instead of built again: a reload costs what changed, not what was rewritten.

/**
 * `next` with each part equal to the same part of `previous` replaced by it; `previous` itself
 * when the two are equal all through. Writes into `next`, which must not be frozen yet; never
 * touches `previous`. Values are what YAML gives: plain objects, arrays and scalars. An object
 * counts as equal only with the same keys in the same order (the order shows in the config API).
 */
export function shareUnchanged<T>(next: T, previous: unknown): T {
  return share(next, previous) as T;
}

function share(next: unknown, previous: unknown): unknown {
  if (Object.is(next, previous)) return previous;
  if (typeof next !== 'object' || next === null || typeof previous !== 'object' || previous === null) return next;
  if (Array.isArray(next)) {
    if (!Array.isArray(previous)) return next;
    let same = next.length === previous.length;
    for (let i = 0; i < next.length; i++) {
      if (i >= previous.length) break;
      const part = share(next[i], previous[i]);
      if (part !== previous[i]) same = false;
      else if (next[i] !== part) next[i] = part;
    }
    return same ? previous : next;
  }
  if (Array.isArray(previous) || Object.getPrototypeOf(next) !== Object.prototype || Object.getPrototypeOf(previous) !== Object.prototype) return next;
  const from = next as Record<string, unknown>;
  const before = previous as Record<string, unknown>;
  const keys = Object.keys(from);
  const beforeKeys = Object.keys(before);
  let same = keys.length === beforeKeys.length;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (same && beforeKeys[i] !== key) same = false;
    if (!Object.hasOwn(before, key)) {
      same = false;
      continue;
    }
    const part = share(from[key], before[key]);
    if (part !== before[key]) same = false;
    else if (from[key] !== part) from[key] = part;
  }
  return same ? previous : next;
}
