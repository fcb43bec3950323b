// The fast path of `test`: a rule list as one generated JavaScript function, so evaluating a
// lead is straight-line code instead of a call per condition (about 2× faster than the closure
// tree). Safe by construction: the source holds only fixed operator templates and generated
// identifiers (`k0`, `k1`…); every rule value, field name, Set and regex is passed in as a
// captured constant, and lead data never reaches the source at all.
//
// The closure tree stays the reference. It answers instead of the generated code where code
// generation is disallowed (`--disallow-code-generation-from-strings`), for leads that are not
// plain objects, and for any lead the generated code cannot read (a throwing getter or proxy),
// always with the same semantics (property-tested against each other in codegen.test.ts).
import type { Constant } from './operators.ts';

type Test = (lead: Readonly<Record<string, unknown>>) => boolean;

/** Writes a rule as an expression over `o` (the lead) and a scratch variable `v`. */
export type Emit = (c: Constant) => string;

/** Stands in for a lead that is not an object: a plain object with no fields. */
const NONE: object = Object.freeze({});

// `o.__proto__` is the cheapest way V8 offers to check an object's prototype (an inlined
// accessor, where Object.getPrototypeOf costs a call); it is missing or throws under
// `--disable-proto`, and then Object.getPrototypeOf does the job.
const PROTO_CHECK = (() => {
  try {
    return ({} as { __proto__: unknown }).__proto__ === Object.prototype ? 'o.__proto__' : 'gp(o)';
  } catch {
    return 'gp(o)';
  }
})();

/**
 * Reads a top-level field of `o`. The generated function only runs on leads whose prototype is
 * Object.prototype (see generateTest), so `key in o` can only be inherited when Object.prototype
 * itself has the key (`constructor`, or a polluted prototype): then hasOwn decides. Dotted paths
 * use their compiled reader.
 */
export function readCode(segments: readonly string[], read: (lead: unknown) => unknown, c: Constant): string {
  if (segments.length === 1 && segments[0] !== '__proto__') {
    const k = c(segments[0]);
    return `(${k} in o ? (${k} in P ? (hasOwn(o, ${k}) ? o[${k}] : undefined) : o[${k}]) : undefined)`;
  }
  return `${c(read)}(o)`;
}

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
    if (${PROTO_CHECK} !== P) return fallback(l);
    let v;
    return ${body};
  } catch {
    return fallback(l);
  }
};`;
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the point: rule lists compiled to code (see above)
    const make = new Function('K', 'P', 'NONE', 'hasOwn', 'gp', 'fallback', source) as (...args: unknown[]) => unknown;
    return make(constants, Object.prototype, NONE, Object.hasOwn, Object.getPrototypeOf, fallback) as Test;
  } catch {
    return null; // code generation disallowed, or an expression too deep to parse
  }
}
