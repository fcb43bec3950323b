import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Rule } from '../config/types.ts';
import { compileRules as compile } from './compile.ts';
import type { CompileOptions } from './compile.ts';
import { prng, randomLead, randomRules } from './fuzz.ts';

/** The generated code from the first evaluation (it is otherwise made after CODEGEN_AFTER). */
const compileRules = (rules: readonly Rule[], opts: CompileOptions = {}) => compile(rules, { codegenAfter: 0, ...opts });

describe('generated test() against the closure tree', () => {
  it('agree with each other and with explain() on random rules and leads', () => {
    const r = prng(20240601);
    let held = 0, total = 0;
    for (let i = 0; i < 1500; i++) {
      const rules = randomRules(r);
      const fast = compileRules(rules);
      const closures = compileRules(rules, { codegen: false });
      for (let j = 0; j < 40; j++) {
        const lead = randomLead(r);
        const answer = fast.test(lead);
        const where = `${JSON.stringify(rules)} on ${JSON.stringify(lead)}`;
        if (closures.test(lead) !== answer) expect.fail(`closures disagree: ${where}`);
        if ((fast.explain(lead) === null) !== answer) expect.fail(`explain disagrees: ${where}`);
        held += answer ? 1 : 0;
        total++;
      }
    }
    // The property means something only if both answers occur often.
    expect(held / total).toBeGreaterThan(0.1);
    expect(held / total).toBeLessThan(0.9);
  });

  it('never turns rule text into code: field names and values full of JavaScript stay data', () => {
    const g = globalThis as Record<string, unknown>;
    const evil = [
      "'); globalThis.pwned = 1; ('", '"); globalThis.pwned = 1; ("', '`${globalThis.pwned = 1}`',
      '*/ globalThis.pwned = 1; /*', '\u2028globalThis.pwned = 1', '\\', "k0', 'k1", ')) || (globalThis.pwned = 1',
    ];
    for (const s of evil) {
      const f = s.replaceAll('.', '_'); // a dot in a field name is a path separator
      const rules: Rule[] = [
        { field: f, equals: s },
        { field: `a.${f}`, in: [s, 'x'] },
        { field: 'm', matches: s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') },
        { any: [{ field: f, startsWith: s }, { field: f, contains: s, ignoreCase: true }] },
      ];
      const c = compileRules(rules);
      expect(c.test({ [f]: s, a: { [f]: s }, m: s })).toBe(true);
      expect(c.test({ [f]: 'other', a: { [f]: s }, m: s })).toBe(false);
      expect(g.pwned).toBeUndefined();
    }
  });

  it('read own properties only, like the closures, whatever the prototype of the lead', () => {
    const rules: Rule[] = [{ field: 'state', equals: 'NY' }];
    const inherited = [
      Object.create({ state: 'NY' }),
      Object.create(Object.create(null, { state: { value: 'NY', enumerable: true } })),
      Object.assign(Object.create(Object.create({ state: 'NY' })), { zip: '1' }),
      JSON.parse('{"__proto__": {"state": "NY"}}'),
      new (class { get state() { return 'NY'; } })(),
    ];
    for (const lead of inherited) {
      expect(compileRules(rules).test(lead)).toBe(false);
      expect(compileRules(rules, { codegen: false }).test(lead)).toBe(false);
    }
    const own = [Object.assign(Object.create(null), { state: 'NY' }), Object.assign(Object.create({ other: 1 }), { state: 'NY' }), { state: 'NY' }];
    for (const lead of own) expect(compileRules(rules).test(lead)).toBe(true);
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      const c = compileRules([{ field: name, empty: true }]);
      expect(c.test({}), name).toBe(true);
      expect(c.test({ a: 1 }), name).toBe(true);
    }
    expect(compileRules([{ field: 'constructor', equals: 'x' }]).test({ constructor: 'x' })).toBe(true);
  });

  it('ignore a polluted Object.prototype', () => {
    const key = `polluted_${Math.random().toString(36).slice(2)}`;
    const c = compileRules([{ field: key, equals: 'evil' }]);
    const n = compileRules([{ field: key, notEquals: 'evil' }]);
    expect(c.test({})).toBe(false); // compiled and warmed up before the pollution
    (Object.prototype as Record<string, unknown>)[key] = 'evil';
    try {
      for (let i = 0; i < 3; i++) {
        expect(c.test({})).toBe(false);
        expect(n.test({})).toBe(true);
        expect(c.test({ [key]: 'evil' })).toBe(true);
        expect(compileRules([{ field: key, equals: 'evil' }]).test({ a: 1 })).toBe(false);
      }
    } finally {
      delete (Object.prototype as Record<string, unknown>)[key];
    }
  });

  it('fall back to the closures where code generation is disallowed; work without __proto__', () => {
    const rules: Rule[] = [
      { field: 'state', in: ['NY', 'NJ'] },
      { any: [{ field: 'zip', startsWith: '1' }, { not: { field: 'amount', lt: 5 } }] },
    ];
    const leads = [{ state: 'NY', zip: '10001' }, { state: 'NJ', zip: '20001', amount: 3 }, { state: 'TX' }, { state: 'NJ', amount: 7 }];
    const script = `
      import { compileRules } from ${JSON.stringify(fileURLToPath(new URL('./compile.ts', import.meta.url)))};
      let allowed = true;
      try { new Function('return 1'); } catch { allowed = false; }
      const c = compileRules(${JSON.stringify(rules)}, { codegenAfter: 0 });
      console.log(JSON.stringify({ allowed, answers: ${JSON.stringify(leads)}.map((l) => c.test(l)) }));
    `;
    const run = (flag: string) => JSON.parse(execFileSync(process.execPath, [flag, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })) as { allowed: boolean; answers: boolean[] };
    const expected = [true, false, false, true];
    expect(leads.map((l) => compileRules(rules).test(l))).toEqual(expected);
    expect(run('--disallow-code-generation-from-strings')).toEqual({ allowed: false, answers: expected });
    // Hardened runtimes without `__proto__` still get the generated code, and the same answers.
    expect(run('--disable-proto=throw')).toEqual({ allowed: true, answers: expected });
    expect(run('--disable-proto=delete')).toEqual({ allowed: true, answers: expected });
  }, 60_000); // three child processes, each loading tsx
});
