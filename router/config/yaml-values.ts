// The values of a YAML file, read by js-yaml (about 8× faster than `yaml` on a 1,000-profile tree).
// `yaml` stays the reference: it gives every error message and every position, and is used for
// a file only when js-yaml refuses it or a position is asked for. js-yaml reads the YAML 1.2 core
// schema and refuses duplicate keys, as `yaml` (uniqueKeys) does. js-yaml is more lenient in a
// few corners, and reads a few others differently; texts that reach them are left to `yaml`.
// yaml-values.test.ts checks the two agree on every YAML file of the repository and on random
// mutations.
import { CORE_SCHEMA, loadAll } from 'js-yaml';

// Left to `yaml`: anchors and aliases (yaml bounds their expansion; js-yaml does not), tags,
// explicit `?` keys, empty `-` entries, `- -` nested on one line, `---` followed by text, `...`, directives
// (`%YAML 1.1` changes the schema), signed hex, octal and `.5` numbers (js-yaml is not YAML 1.2
// there), tabs, lone CRs and escaped line breaks in double-quoted strings.
const LEFT_TO_YAML =
  /(?:^|[\s[{,])[&*!?]|^[ ]*-[ ]*(?:#.*)?\r?$|^[ ]*-[ ]+-(?:\s|$)|^---(?!\r?$)|^\.\.\.|^%|(?:^|[\s[{,:])[+-](?:\.|0[xXoO])|\t|\r(?!\n)|\\\r?$/m;

/** Values of every document of `text`, or null when the caller must ask `yaml`. */
export function readYamlValues(text: string): unknown[] | null {
  if (LEFT_TO_YAML.test(text) || !plainLayout(text)) return null;
  let docs: unknown[];
  try {
    docs = loadAll(text, null, { schema: CORE_SCHEMA, json: false });
  } catch {
    return null;
  }
  // Empty documents are problems: `yaml` reports them.
  return docs.length > 0 && docs.every((d) => d !== null && d !== undefined && plainKeys(d)) ? docs : null;
}

const NL = 10, SPACE = 32, HASH = 35, DQ = 34, SQ = 39, BACKSLASH = 92, DASH = 45, CR = 13, COLON = 58;

/**
 * False where js-yaml accepts what `yaml` refuses: a quoted string or flow collection (`[…]`,
 * `{…}`) that goes on past its line, a `#` right after one, a document whose first line is
 * indented. Errs towards false (a quote inside a block scalar, say), which only sends the file
 * to `yaml`.
 */
function plainLayout(text: string): boolean {
  const flow: number[] = [];
  let quote = 0;
  let prev = NL;
  let lastSig = NL;
  let docStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (prev === NL && c !== NL) {
      if (c === DASH && text.startsWith('---', i)) docStart = true;
      else if (docStart && c !== HASH && c !== CR) {
        if (c === SPACE) {
          let j = i;
          while (text.charCodeAt(j) === SPACE) j++;
          const next = text.charCodeAt(j);
          if (next !== HASH && next !== NL && next !== CR && j < text.length) return false;
        } else docStart = false;
      }
    }
    if (c === NL) {
      if (quote !== 0 || flow.length !== 0) return false;
    } else if (quote === DQ) {
      if (c === BACKSLASH) i++;
      else if (c === DQ) quote = 0;
    } else if (quote === SQ) {
      if (c === SQ) {
        if (text.charCodeAt(i + 1) === SQ) i++;
        else quote = 0;
      }
    } else if (c === HASH && (prev === SPACE || prev === NL)) {
      const end = text.indexOf('\n', i);
      if (end < 0) break;
      i = end - 1; // the newline is seen next
    } else if (c === HASH && (prev === 93 || prev === 125)) {
      return false; // `]#`
    } else if (c === COLON && (lastSig === 93 || lastSig === 125)) {
      return false; // a flow collection as a key
    } else if (c === HASH && (prev === DQ || prev === SQ)) {
      return false;
    } else if ((c === DQ || c === SQ) && (prev === SPACE || prev === NL || prev === 91 || prev === 123 || prev === 44)) {
      quote = c;
    } else if (c === 91 || c === 123) {
      // A collection where a flow mapping expects a key: the two stringify it differently.
      if (flow.at(-1) === 123 && (lastSig === 123 || lastSig === 44)) return false;
      flow.push(c);
    } else if (c === 93 || c === 125) {
      if (flow.pop() === undefined) return false;
    }
    if (c !== SPACE) lastSig = c;
    prev = c;
  }
  return quote === 0 && flow.length === 0;
}

/**
 * False when a mapping has a key the two read differently: an empty or null key (`"null"` here,
 * `""` in yaml), a collection as a key, or `__proto__`.
 */
function plainKeys(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return value.every(plainKeys);
  for (const key in value) {
    if (key === 'null' || key === '__proto__' || key.startsWith('[object ')) return false;
    if (!plainKeys((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}
