// Reading a (possibly dotted) field of a lead. Segments are split once; each read walks own
// properties only, so a rule can never reach Object.prototype (`constructor`, `__proto__`) and
// a string or number in the middle of a path reads as missing instead of throwing.

export type PathReader = (lead: unknown) => unknown;

const hasOwn = Object.hasOwn;

/** A reader for `path` (`state`, `address.postcode`). Returns undefined for anything missing. */
export function compilePath(path: string): PathReader {
  const segments = path.split('.');
  // `__proto__` is never a lead field; reading it (even as an own key made by JSON.parse) is refused.
  if (segments.includes('__proto__')) return () => undefined;
  if (segments.length === 1) {
    const k = segments[0];
    return (lead) => {
      try {
        return typeof lead === 'object' && lead !== null && hasOwn(lead, k)
          ? (lead as Record<string, unknown>)[k]
          : undefined;
      } catch {
        return undefined; // a throwing getter or proxy trap reads as missing
      }
    };
  }
  if (segments.length === 2) {
    const [a, b] = segments;
    return (lead) => {
      try {
        if (typeof lead !== 'object' || lead === null || !hasOwn(lead, a)) return undefined;
        const mid = (lead as Record<string, unknown>)[a];
        return typeof mid === 'object' && mid !== null && hasOwn(mid, b)
          ? (mid as Record<string, unknown>)[b]
          : undefined;
      } catch {
        return undefined;
      }
    };
  }
  return (lead) => {
    try {
      let cur: unknown = lead;
      for (let i = 0; i < segments.length; i++) {
        const k = segments[i];
        if (typeof cur !== 'object' || cur === null || !hasOwn(cur, k)) return undefined;
        cur = (cur as Record<string, unknown>)[k];
      }
      return cur;
    } catch {
      return undefined;
    }
  };
}
