// A fast reader for the plain YAML that profile files are made of: block mappings and sequences,
// one-line flow collections, plain and quoted one-line scalars, comments, `---` between
// documents. The `yaml` package reads a 1,000-profile tree (6 MB) in seconds; this reads it in a
// fraction of that. It never guesses: anything outside its subset (anchors, tags, block scalars,
// multi-line scalars or flow collections, tabs, CR, duplicate keys, odd indentation, …) returns
// null and the caller uses `yaml`, which also gives every error message and every position. When
// it returns values, they equal `yaml`'s (core schema) — fast-yaml.test.ts checks that on real
// files, on tricky snippets and on random mutations.

/** Thrown inside the parser to give up; never escapes this module. */
class Unsupported extends Error {}
const UNSUPPORTED = new Unsupported();
const bail = (): never => {
  throw UNSUPPORTED;
};

interface Line {
  indent: number;
  /** The line from `indent` on (comments included; they are stripped while tokenising). */
  text: string;
}

/** Values of every document of `text`, or null when `text` is outside the subset. */
export function fastParseDocuments(text: string): unknown[] | null {
  if (text.includes('\t') || text.includes('\r')) return null;
  try {
    const docs: unknown[] = [];
    let current: Line[] = [];
    let sawSeparator = false;
    let sawContent = false;
    const finish = () => {
      // An empty document (only comments) is reported by the slow path.
      if (current.length === 0) bail();
      docs.push(parseDocument(current));
      current = [];
    };
    let start = 0;
    while (start <= text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const raw = text.slice(start, end);
      start = end + 1;
      if (raw === '---') {
        if (sawContent || sawSeparator) finish();
        sawSeparator = true;
        continue;
      }
      const c0 = raw.charCodeAt(0);
      // Directives, document end markers, `--- value`: not in the subset.
      if (raw.startsWith('---') || raw.startsWith('...') || c0 === 37 /* % */) bail();
      let indent = 0;
      while (raw.charCodeAt(indent) === 32) indent++;
      if (indent === raw.length || raw.charCodeAt(indent) === 35 /* # */) continue; // blank or comment
      current.push({ indent, text: raw.slice(indent) });
      sawContent = true;
    }
    if (!sawContent) return null;
    finish();
    return docs;
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
}

function parseDocument(lines: Line[]): Record<string, unknown> {
  const cursor = { i: 0 };
  if (lines[0].indent !== 0) bail();
  if (isSeqItem(lines[0].text)) bail(); // a list document: the slow path says NOT_A_MAPPING
  const value = parseMap(lines, cursor, 0);
  if (cursor.i !== lines.length) bail();
  return value;
}

const isSeqItem = (t: string) => t.charCodeAt(0) === 45 /* - */ && (t.length === 1 || t.charCodeAt(1) === 32);

/** The value of a key whose line ended after `key:`: a nested block, a same-indent list, or null. */
function parseNested(lines: Line[], cursor: { i: number }, parentIndent: number): unknown {
  const next = lines[cursor.i];
  if (next === undefined) return null;
  if (next.indent > parentIndent) return parseBlock(lines, cursor, next.indent);
  if (next.indent === parentIndent && isSeqItem(next.text)) return parseSeq(lines, cursor, parentIndent);
  return null;
}

function parseBlock(lines: Line[], cursor: { i: number }, indent: number): unknown {
  return isSeqItem(lines[cursor.i].text) ? parseSeq(lines, cursor, indent) : parseMap(lines, cursor, indent);
}

function parseMap(lines: Line[], cursor: { i: number }, indent: number): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  while (cursor.i < lines.length) {
    const line = lines[cursor.i];
    if (line.indent < indent) break;
    if (line.indent > indent) bail();
    if (isSeqItem(line.text)) break; // a same-indent list belongs to the parent key
    const { key, valueAt } = readKey(line.text);
    if (Object.hasOwn(map, key)) bail(); // duplicate key: the slow path reports it
    cursor.i++;
    const rest = skipSpaces(line.text, valueAt);
    if (rest === line.text.length || line.text.charCodeAt(rest) === 35) {
      map[key] = parseNested(lines, cursor, indent);
    } else {
      map[key] = readInlineValue(line.text, rest);
      const next = lines[cursor.i];
      // A deeper line after an inline value would be a multi-line scalar or an error.
      if (next !== undefined && next.indent > indent) bail();
    }
  }
  return map;
}

function parseSeq(lines: Line[], cursor: { i: number }, indent: number): unknown[] {
  const seq: unknown[] = [];
  while (cursor.i < lines.length) {
    const line = lines[cursor.i];
    if (line.indent < indent) break;
    if (line.indent > indent) bail();
    if (!isSeqItem(line.text)) break;
    const rest = skipSpaces(line.text, 1);
    if (rest === line.text.length || line.text.charCodeAt(rest) === 35) {
      cursor.i++;
      const next = lines[cursor.i];
      seq.push(next !== undefined && next.indent > indent ? parseBlock(lines, cursor, next.indent) : null);
      continue;
    }
    const c = line.text.charCodeAt(rest);
    if (c === 45 /* - */ && isSeqItem(line.text.slice(rest))) bail(); // `- - x`
    if (startsKey(line.text, rest)) {
      // `- key: value` opens a mapping whose keys sit at the column of `key`.
      lines[cursor.i] = { indent: indent + rest, text: line.text.slice(rest) };
      seq.push(parseMap(lines, cursor, indent + rest));
      continue;
    }
    cursor.i++;
    seq.push(readInlineValue(line.text, rest));
    const next = lines[cursor.i];
    if (next !== undefined && next.indent > indent) bail();
  }
  return seq;
}

function skipSpaces(t: string, i: number): number {
  while (t.charCodeAt(i) === 32) i++;
  return i;
}

/** Whether the text at `i` is `key:` followed by a space or the end of the line. */
function startsKey(t: string, i: number): boolean {
  const c = t.charCodeAt(i);
  if (c === 123 /* { */ || c === 91 /* [ */) return false;
  if (c === 34 /* " */ || c === 39 /* ' */) {
    const q = c === 34 ? readDouble(t, i) : readSingle(t, i);
    return t.charCodeAt(q.end) === 58 /* : */;
  }
  const colon = plainKeyEnd(t, i);
  return colon >= 0;
}

/** Index of the `:` ending a plain key starting at `i` (`: ` or `:` at end of line), or -1. */
function plainKeyEnd(t: string, i: number): number {
  for (let j = i; j < t.length; j++) {
    const c = t.charCodeAt(j);
    if (c === 35 /* # */ && t.charCodeAt(j - 1) === 32) return -1; // a comment starts first
    if (c === 58 /* : */ && (j + 1 === t.length || t.charCodeAt(j + 1) === 32)) return j;
  }
  return -1;
}

function readKey(t: string): { key: string; valueAt: number } {
  const c = t.charCodeAt(0);
  if (c === 34 || c === 39) {
    const q = c === 34 ? readDouble(t, 0) : readSingle(t, 0);
    if (t.charCodeAt(q.end) !== 58) bail();
    const after = q.end + 1;
    if (after < t.length && t.charCodeAt(after) !== 32) bail();
    if (q.value === '__proto__') bail();
    return { key: q.value, valueAt: after };
  }
  const colon = plainKeyEnd(t, 0);
  if (colon <= 0) bail();
  const raw = t.slice(0, colon);
  const key = raw.trimEnd();
  checkPlainStart(key);
  // Keys that resolve to null, booleans or numbers are stringified by yaml in ways not worth
  // copying; `<<` (merge) and `__proto__` are special. Leave all of them to the slow path.
  if (typeof resolvePlain(key) !== 'string' || key === '<<' || key === '__proto__') bail();
  return { key, valueAt: colon + 1 };
}

/** A scalar or a one-line flow collection at `i`, followed only by spaces and a comment. */
function readInlineValue(t: string, i: number): unknown {
  const c = t.charCodeAt(i);
  let value: unknown;
  let end: number;
  if (c === 91 /* [ */ || c === 123 /* { */) {
    const r = readFlow(t, i);
    value = r.value;
    end = r.end;
  } else if (c === 34 || c === 39) {
    const q = c === 34 ? readDouble(t, i) : readSingle(t, i);
    value = q.value;
    end = q.end;
  } else {
    // A plain scalar runs to the end of the line or to ` #`.
    let j = i;
    for (; j < t.length; j++) {
      const d = t.charCodeAt(j);
      if (d === 35 && t.charCodeAt(j - 1) === 32) break;
      if (d === 58 && (j + 1 === t.length || t.charCodeAt(j + 1) === 32)) bail(); // `a: b: c`
    }
    const raw = t.slice(i, j).trimEnd();
    checkPlainStart(raw);
    return resolvePlain(raw);
  }
  const after = skipSpaces(t, end);
  if (after < t.length && !(t.charCodeAt(after) === 35 && after > end)) bail();
  return value;
}

/** Plain scalars may not start with an indicator; those that do are left to the slow path. */
function checkPlainStart(s: string): void {
  if (s === '') bail();
  const c = s[0];
  if ('&*!|>%@`,[]{}#\'"'.includes(c)) bail();
  if ((c === '-' || c === '?' || c === ':') && (s.length === 1 || s[1] === ' ')) bail();
}

// --- flow collections (one line)

const FLOW_END = (c: number) => c === 44 /* , */ || c === 93 /* ] */ || c === 125 /* } */;

function readFlow(t: string, i: number): { value: unknown; end: number } {
  const open = t.charCodeAt(i);
  const close = open === 91 ? 93 : 125;
  const isMap = open === 123;
  const seq: unknown[] | undefined = isMap ? undefined : [];
  const map: Record<string, unknown> | undefined = isMap ? {} : undefined;
  let j = skipSpaces(t, i + 1);
  if (t.charCodeAt(j) === close) return { value: isMap ? map : seq, end: j + 1 };
  for (;;) {
    if (j >= t.length) bail(); // continues on the next line
    if (isMap) {
      const { key, end } = readFlowKey(t, j);
      if (Object.hasOwn(map!, key)) bail();
      j = skipSpaces(t, end);
      const v = readFlowValue(t, j);
      map![key] = v.value;
      j = skipSpaces(t, v.end);
    } else {
      const v = readFlowValue(t, j);
      j = skipSpaces(t, v.end);
      if (t.charCodeAt(j) === 58 /* : */) bail(); // a pair inside a list
      seq!.push(v.value);
    }
    const c = t.charCodeAt(j);
    if (c === close) return { value: isMap ? map : seq, end: j + 1 };
    if (c !== 44) bail();
    j = skipSpaces(t, j + 1);
    if (t.charCodeAt(j) === close) return { value: isMap ? map : seq, end: j + 1 }; // trailing comma
    if (t.charCodeAt(j) === 44) bail(); // empty entry
  }
}

/** `key:` inside `{ }`; returns the index after the `:` (a value must follow). */
function readFlowKey(t: string, i: number): { key: string; end: number } {
  const c = t.charCodeAt(i);
  let key: string;
  let j: number;
  if (c === 34 || c === 39) {
    const q = c === 34 ? readDouble(t, i) : readSingle(t, i);
    key = q.value;
    j = skipSpaces(t, q.end);
    if (t.charCodeAt(j) !== 58) bail();
    j++;
  } else {
    j = i;
    while (j < t.length) {
      const d = t.charCodeAt(j);
      if (d === 58 && t.charCodeAt(j + 1) === 32) break;
      if (FLOW_END(d) || d === 58 || d === 91 || d === 123 || (d === 35 && t.charCodeAt(j - 1) === 32)) bail();
      j++;
    }
    if (j >= t.length) bail();
    key = t.slice(i, j).trimEnd();
    checkPlainStart(key);
    if (typeof resolvePlain(key) !== 'string' || key === '<<') bail();
    j++;
  }
  if (key === '__proto__') bail();
  // `{ a: }` (a null value) and `{ a:b }` are left to the slow path.
  if (t.charCodeAt(j) !== 32) bail();
  j = skipSpaces(t, j);
  if (FLOW_END(t.charCodeAt(j))) bail();
  return { key, end: j };
}

function readFlowValue(t: string, i: number): { value: unknown; end: number } {
  const c = t.charCodeAt(i);
  if (c === 91 || c === 123) return readFlow(t, i);
  if (c === 34 || c === 39) {
    const q = c === 34 ? readDouble(t, i) : readSingle(t, i);
    return { value: q.value, end: q.end };
  }
  let j = i;
  while (j < t.length) {
    const d = t.charCodeAt(j);
    if (FLOW_END(d)) break;
    if (d === 58 /* : */) {
      const n = t.charCodeAt(j + 1);
      if (n === 32 || FLOW_END(n) || j + 1 === t.length) break;
    }
    if (d === 91 || d === 123) bail();
    if (d === 35 && t.charCodeAt(j - 1) === 32) bail(); // a comment inside a flow collection
    j++;
  }
  const raw = t.slice(i, j).trimEnd();
  checkPlainStart(raw);
  return { value: resolvePlain(raw), end: j };
}

// --- quoted scalars (one line)

function readSingle(t: string, i: number): { value: string; end: number } {
  let out = '';
  let j = i + 1;
  for (;;) {
    const k = t.indexOf("'", j);
    if (k < 0) bail();
    out += t.slice(j, k);
    if (t.charCodeAt(k + 1) === 39) {
      out += "'";
      j = k + 2;
      continue;
    }
    return { value: out, end: k + 1 };
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', f: '\f', ' ': ' ',
};

function readDouble(t: string, i: number): { value: string; end: number } {
  let out = '';
  let j = i + 1;
  for (;;) {
    const q = t.indexOf('"', j);
    const b = t.indexOf('\\', j);
    if (q < 0) bail();
    if (b < 0 || q < b) return { value: out + t.slice(j, q), end: q + 1 };
    out += t.slice(j, b);
    const e = t[b + 1];
    if (e === 'u') {
      const hex = t.slice(b + 2, b + 6);
      if (!/^[0-9A-Fa-f]{4}$/.test(hex)) bail();
      const code = parseInt(hex, 16);
      if (code >= 0xd800 && code <= 0xdfff) bail(); // surrogate pairs: slow path
      out += String.fromCharCode(code);
      j = b + 6;
    } else if (e !== undefined && Object.hasOwn(SIMPLE_ESCAPES, e)) {
      out += SIMPLE_ESCAPES[e];
      j = b + 2;
    } else {
      bail();
    }
  }
}

// --- plain scalars, resolved as yaml's core schema does (null, bool, int, float, else string)

const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  const numeric = (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
  if (!numeric) {
    // Only null (~, null), booleans and `.nan`/`.inf` start otherwise; all else is a string.
    if (c === 126 || c === 110 || c === 78 || s === '') return NULL.test(s) ? null : s;
    if (c === 116 || c === 84 || c === 102 || c === 70) return BOOL.test(s) ? s[0] === 't' || s[0] === 'T' : s;
    return s;
  }
  if (c === 48 && s.length > 2) {
    if (s[1] === 'o' && INT_OCT.test(s)) return parseInt(s.slice(2), 8);
    if (s[1] === 'x' && INT_HEX.test(s)) return parseInt(s.slice(2), 16);
  }
  if (INT.test(s)) return parseInt(s, 10);
  if (FLOAT_NAN.test(s)) return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity;
  if (FLOAT_EXP.test(s) || FLOAT.test(s)) return parseFloat(s);
  return s;
}
