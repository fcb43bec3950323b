// The fast path of `test`: a rule list as one generated JavaScript function, so evaluating a
// lead is straight-line code instead of a call per condition. Safe by construction: the source
// holds only fixed operator templates and generated identifiers (`k0`, `k1`…); every rule
// value, field name, Set and regex is passed in as a captured constant, and lead data never
// reaches the source at all. The closure tree stays the reference: it answers when code
// generation is disallowed (`--disallow-code-generation-from-strings`), and for any lead the
// generated code cannot read (a getter or proxy that throws), with the exact same semantics.
import type { Constant } from './operators.ts';

type Test = (lead: Readonly<Record<string, unknown>>) => boolean;

/** Writes a rule as an expression over `o` (the lead) and a scratch variable `v`. */
export type Emit = (c: Constant) => string;

const NONE: object = Object.freeze(Object.create(null));

export function generateTest(emit: Emit, fallback: Test): Test | null {
  const constants: unknown[] = [];
  const ids = new Map<unknown, string>();
  const c: Constant = (value) => {
    let id = ids.get(value);
    if (id === undefined) {
      id = `k${constants.length}`;
      constants.push(value);
      ids.set(value, id);
    }
    return id;
  };
  const body = emit(c);
  const names = constants.map((_, i) => `k${i}`);
  const source = `"use strict";
const [${names.join(', ')}] = K;
return function test(l) {
  try {
    const o = typeof l === 'object' && l !== null ? l : NONE;
    let v;
    return ${body};
  } catch {
    return fallback(l);
  }
};`;
  try {
    return new Function('K', 'hasOwn', 'NONE', 'fallback', source)(constants, Object.hasOwn, NONE, fallback) as Test;
  } catch {
    return null; // code generation disallowed, or an expression too deep to parse
  }
}
