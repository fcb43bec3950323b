// Values as they appear in explain messages: one line, bounded length, never throwing
// whatever the lead holds (cycles, BigInt, hostile getters).

const MAX = 60;
const MAX_LIST_ITEMS = 10;

function clip(s: string): string {
  return s.length > MAX ? s.slice(0, MAX - 1) + '…' : s;
}

/** A lead value: strings quoted, everything clipped to 60 characters. */
export function formatValue(v: unknown): string {
  try {
    switch (typeof v) {
      case 'string':
        return JSON.stringify(v.length > MAX ? v.slice(0, MAX - 1) + '…' : v);
      case 'number':
      case 'boolean':
      case 'bigint':
        return String(v);
      case 'undefined':
        return 'undefined';
      case 'object': {
        if (v === null) return 'null';
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- only when toJSON gives undefined
        return clip(JSON.stringify(v) ?? String(v));
      }
      default:
        return typeof v;
    }
  } catch {
    return typeName(v) === 'an array' ? '[array]' : '[object]';
  }
}

const BARE = /^[\p{L}\p{N}_.@+\-/:]+$/u;
const LOOKS_TYPED = /^(?:[-+]?(?:\d|\.\d)|true$|false$|null$|~$)/;

/** A list item as YAML would show it: bare when unambiguous (`NY`), quoted otherwise (`"10"`). */
function formatItem(v: unknown): string {
  if (typeof v === 'string' && BARE.test(v) && !LOOKS_TYPED.test(v)) return clip(v);
  return formatValue(v);
}

/** `[NY, NJ, CT]`, at most ten items shown. */
export function formatList(list: readonly unknown[]): string {
  const shown = list.slice(0, MAX_LIST_ITEMS).map(formatItem).join(', ');
  const more = list.length > MAX_LIST_ITEMS ? `, … (+${list.length - MAX_LIST_ITEMS} more)` : '';
  return `[${shown}${more}]`;
}

/** `a string`, `a number`, `an array`… for messages about values of the wrong type. */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  const t = typeof v;
  try {
    if (Array.isArray(v)) return 'an array';
  } catch {
    // a revoked proxy: still an object
  }
  return t === 'object' || t === 'undefined' ? `an ${t}` : `a ${t}`;
}
