// Rule evaluation micro-benchmark (not a test): one realistic rule set — a profile with 3
// conditions and 20 partners with 2–4 conditions each (in-lists, startsWith on ZIP, numeric
// between, a nested any/all) — evaluated for the same random leads by our compiled rules,
// json-rules-engine and json-logic-js, after checking all three agree on every lead.
// Run: npx tsx bench/rules-micro.ts [seconds-per-engine]
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Engine } from 'json-rules-engine';
import type { Rule } from '../router/config/types.ts';
import { compileRules } from '../router/rules/compile.ts';
import { prng } from './prng.ts';

const require = createRequire(import.meta.url);
const jsonLogic = require('json-logic-js') as { apply(logic: unknown, data: unknown): unknown };

type Lead = Record<string, unknown>;


const STATES = ['NY', 'NJ', 'CT', 'PA', 'MA', 'FL', 'CA', 'TX', 'IL', 'OH', 'GA', 'WA'];
const PROPERTY = ['single-family', 'condo', 'townhouse', 'multi-family'];
const PURPOSE = ['purchase', 'refinance'];

/** Our idiomatic conditions; the other engines' forms are translated from these. */
type Spec =
  | { field: string; in: string[] }
  | { field: string; equals: string }
  | { field: string; startsWith: string }
  | { field: string; between: [number, number] }
  | { field: string; gte: number }
  | { field: string; gt: number }
  | { any: Spec[] }
  | { all: Spec[] };

export interface RuleSet {
  profile: Spec[];
  partners: Spec[][];
}

export function ruleSet(seed = 1): RuleSet {
  const rnd = prng(seed);
  const subset = (xs: readonly string[], n: number) => [...xs].sort(() => rnd() - 0.5).slice(0, n);
  const profile: Spec[] = [
    { field: 'status', equals: 'New' },
    { field: 'loanAmount', between: [50_000, 2_000_000] },
    { any: [{ field: 'state', in: ['NY', 'NJ', 'CT', 'PA', 'MA', 'CA', 'TX'] }, { all: [{ field: 'state', equals: 'FL' }, { field: 'zip', startsWith: '33' }] }] },
  ];
  const templates: (() => Spec)[] = [
    () => ({ field: 'state', in: subset(STATES, 3 + Math.floor(rnd() * 6)) }),
    () => ({ field: 'zip', startsWith: String(Math.floor(rnd() * 10)) }),
    () => {
      const lo = 50_000 + Math.floor(rnd() * 10) * 50_000;
      return { field: 'loanAmount', between: [lo, lo + 300_000 + Math.floor(rnd() * 10) * 100_000] };
    },
    () => ({ field: 'propertyType', in: subset(PROPERTY, 2 + Math.floor(rnd() * 2)) }),
    () => ({
      any: [
        { all: [{ field: 'loanPurpose', equals: 'refinance' }, { field: 'creditScore', gte: 640 + Math.floor(rnd() * 8) * 10 }] },
        { field: 'loanAmount', gt: 400_000 },
      ],
    }),
  ];
  const partners: Spec[][] = [];
  for (let i = 0; i < 20; i++) {
    const n = 2 + Math.floor(rnd() * 3);
    partners.push(subset(templates.map((_, j) => String(j)), n).map((j) => templates[Number(j)]()));
  }
  return { profile, partners };
}

export function leads(n: number, seed = 2): Lead[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  return Array.from({ length: n }, (_, i) => ({
    email: `lead${i}@example.com`,
    state: pick(STATES),
    zip: String(10000 + Math.floor(rnd() * 89999)),
    status: rnd() < 0.9 ? 'New' : 'Contacted',
    loanAmount: Math.floor(rnd() * 2_500_000),
    creditScore: 550 + Math.floor(rnd() * 300),
    propertyType: pick(PROPERTY),
    loanPurpose: pick(PURPOSE),
  }));
}

// json-logic-js, idiomatic: `in` with an array, `<=` with three arguments for a range,
// `substr` for a prefix.
function toLogic(s: Spec): unknown {
  if ('any' in s) return { or: s.any.map(toLogic) };
  if ('all' in s) return { and: s.all.map(toLogic) };
  const v = { var: s.field };
  if ('in' in s) return { in: [v, s.in] };
  if ('equals' in s) return { '==': [v, s.equals] };
  if ('startsWith' in s) return { '==': [{ substr: [v, 0, s.startsWith.length] }, s.startsWith] };
  if ('between' in s) return { '<=': [s.between[0], v, s.between[1]] };
  if ('gte' in s) return { '>=': [v, s.gte] };
  return { '>': [v, s.gt] };
}

// json-rules-engine, idiomatic: one engine, one rule per list, facts straight from the lead,
// a custom operator for startsWith (it has none).
function toEngineCondition(s: Spec): Record<string, unknown> {
  if ('any' in s) return { any: s.any.map(toEngineCondition) };
  if ('all' in s) return { all: s.all.map(toEngineCondition) };
  const fact = s.field;
  if ('in' in s) return { fact, operator: 'in', value: s.in };
  if ('equals' in s) return { fact, operator: 'equal', value: s.equals };
  if ('startsWith' in s) return { fact, operator: 'startsWith', value: s.startsWith };
  if ('between' in s) return { all: [{ fact, operator: 'greaterThanInclusive', value: s.between[0] }, { fact, operator: 'lessThanInclusive', value: s.between[1] }] };
  if ('gte' in s) return { fact, operator: 'greaterThanInclusive', value: s.gte };
  return { fact, operator: 'greaterThan', value: s.gt };
}

export interface Evaluators {
  ours(lead: Lead): number[];
  logic(lead: Lead): number[];
  engine(lead: Lead): Promise<number[]>;
}

/** Each evaluator answers with the matching lists: -1 for the profile, else partner indexes. */
export function evaluators(set: RuleSet): Evaluators {
  const lists = [set.profile, ...set.partners];
  const compiled = lists.map((l) => compileRules(l as Rule[]));
  const logic = lists.map((l) => ({ and: l.map(toLogic) }));
  const engine = new Engine([], { allowUndefinedFacts: true });
  engine.addOperator('startsWith', (a: unknown, b: unknown) => typeof a === 'string' && a.startsWith(String(b)));
  lists.forEach((l, i) => engine.addRule({ conditions: { all: l.map(toEngineCondition) } as never, event: { type: String(i - 1) } }));
  return {
    ours: (lead) => compiled.flatMap((c, i) => (c.test(lead) ? [i - 1] : [])),
    logic: (lead) => logic.flatMap((c, i) => (jsonLogic.apply(c, lead) ? [i - 1] : [])),
    async engine(lead) {
      const { events } = await engine.run(lead);
      return events.map((e) => Number(e.type)).sort((a, b) => a - b);
    },
  };
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 1);
  const set = ruleSet();
  const sample = leads(10_000);
  const ev = evaluators(set);
  const compiled = [set.profile, ...set.partners].map((l) => compileRules(l as Rule[]));
  const closures = [set.profile, ...set.partners].map((l) => compileRules(l as Rule[], { codegen: false }));

  for (const lead of sample.slice(0, 2_000)) {
    const a = ev.ours(lead).join(), b = ev.logic(lead).join(), c = (await ev.engine(lead)).join();
    if (a !== b || a !== c) throw new Error(`engines disagree on ${JSON.stringify(lead)}: ours ${a}, json-logic ${b}, json-rules-engine ${c}`);
  }
  const matched = sample.reduce((n, l) => n + ev.ours(l).length, 0);

  // One "evaluation" = one lead through the profile's rules and all 20 partners' rules.
  const timeSync = (f: (lead: Lead) => number): number => {
    let n = 0, sink = 0;
    const end = performance.now() + seconds * 1000;
    const start = performance.now();
    while (performance.now() < end) {
      for (let i = 0; i < 1_000; i++) sink += f(sample[(n + i) % sample.length]);
      n += 1_000;
    }
    if (sink < 0) console.log(sink);
    return n / ((performance.now() - start) / 1000);
  };
  const oursRate = timeSync((lead) => {
    let m = 0;
    for (let i = 0; i < compiled.length; i++) if (compiled[i].test(lead)) m++;
    return m;
  });
  const closureRate = timeSync((lead) => {
    let m = 0;
    for (let i = 0; i < closures.length; i++) if (closures[i].test(lead)) m++;
    return m;
  });
  const logic = [set.profile, ...set.partners].map((l) => ({ and: l.map(toLogic) }));
  const logicRate = timeSync((lead) => {
    let m = 0;
    for (let i = 0; i < logic.length; i++) if (jsonLogic.apply(logic[i], lead)) m++;
    return m;
  });
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await ev.engine(sample[n % sample.length]);
    n++;
  }
  const engineRate = n / ((performance.now() - start) / 1000);

  const fmt = (x: number) => Math.round(x).toLocaleString('en-US').padStart(12);
  console.log(`rule set: 1 profile (3 conditions) + 20 partners (2–4 conditions); ${sample.length} leads, ${(matched / sample.length).toFixed(2)} lists matched per lead`);
  console.log(`compiled rules     ${fmt(oursRate)} leads/s  (${fmt(oursRate * compiled.length)} rule lists/s)`);
  console.log(`  closures only    ${fmt(closureRate)} leads/s  (codegen: false, the fallback)`);
  console.log(`json-logic-js      ${fmt(logicRate)} leads/s  ours ×${(oursRate / logicRate).toFixed(1)} (target ≥15×)`);
  console.log(`json-rules-engine  ${fmt(engineRate)} leads/s  ours ×${(oursRate / engineRate).toFixed(0)} (target ≥200×)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
