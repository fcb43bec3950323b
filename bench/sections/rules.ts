// Rule evaluation: one realistic rule set (a profile with 3 conditions, 20 partners with 2–4
// conditions each) and the same random leads through our compiled rules, json-logic-js and
// json-rules-engine (rule set, leads and idiomatic translations from bench/rules-micro.ts).
// One evaluation = one lead through all 21 rule lists, whatever the engine.
import type { Rule } from '../../router/config/types.ts';
import { compileRules } from '../../router/rules/compile.ts';
import type { BenchContext } from '../context.ts';
import { atLeast, row } from '../report.ts';
import type { SectionResult } from '../report.ts';
import { evaluators, leads, ruleSet } from '../rules-micro.ts';

type Lead = Record<string, unknown>;

export async function rulesSection(ctx: BenchContext): Promise<SectionResult> {
  const set = ruleSet();
  const sample = leads(ctx.smoke ? 200 : 2_000);
  const ev = evaluators(set);
  const lists = [set.profile, ...set.partners];

  // The three must agree on every lead that is timed.
  ctx.log(`rules: checking the three engines agree on ${sample.length} leads`);
  let matched = 0;
  for (const lead of sample) {
    const a = ev.ours(lead).join(), b = ev.logic(lead).join(), c = (await ev.engine(lead)).join();
    if (a !== b || a !== c) throw new Error(`engines disagree on ${JSON.stringify(lead)}: ours [${a}], json-logic-js [${b}], json-rules-engine [${c}]`);
    matched += a ? a.split(',').length : 0;
  }

  const seconds = ctx.smoke ? 0.05 : 1.5;
  const compiled = lists.map((l) => compileRules(l as Rule[]));
  const closures = lists.map((l) => compileRules(l as Rule[], { codegen: false }));
  // Called as methods, the way the router calls them (test() switches to generated code in place).
  const countSync = (lists: { test(lead: Lead): boolean }[]) => (lead: Lead) => {
    let m = 0;
    for (let i = 0; i < lists.length; i++) if (lists[i].test(lead)) m++;
    return m;
  };
  ctx.log('rules: timing compiled rules, closures, json-logic-js, json-rules-engine');
  const ours = rateSync(sample, seconds, countSync(compiled));
  const closureRate = rateSync(sample, seconds, countSync(closures));
  const logic = rateSync(sample, seconds, (lead) => ev.logic(lead).length);
  const engine = await rateAsync(sample, seconds, (lead) => ev.engine(lead));

  const vsEngine = ours / engine, vsLogic = ours / logic;
  return {
    name: 'rules',
    title: 'Rule evaluation (1 lead × 21 rule lists = 1 evaluation)',
    rows: [
      row('compiled rules (generated code)', ours, 'evals/s'),
      row('compiled rules (closures only, the fallback)', closureRate, 'evals/s'),
      row('json-logic-js', logic, 'evals/s'),
      row('json-rules-engine', engine, 'evals/s'),
      row('ours ÷ json-rules-engine', vsEngine, '×', undefined, atLeast(vsEngine, 200, '≥ 200×')),
      row('ours ÷ json-logic-js', vsLogic, '×', undefined, atLeast(vsLogic, 15, '≥ 15×')),
    ],
    details: {
      leads: sample.length,
      secondsPerEngine: seconds,
      listsMatchedPerLead: matched / sample.length,
      ruleSet: set,
      evaluationsPerSecond: { compiled: ours, closures: closureRate, jsonLogic: logic, jsonRulesEngine: engine },
    },
    notes: [
      `rule set: bench/rules-micro.ts ruleSet(seed 1): a profile with 3 conditions (equals, between, any of in / all of equals + startsWith) and 20 partners with 2–4 conditions (in-lists, startsWith on zip, between, a nested any/all)`,
      `${sample.length} seeded random mortgage leads; all three engines agreed on every one (${(matched / sample.length).toFixed(2)} lists matched per lead); json-rules-engine: one Engine, one rule per list, engine.run(lead) per lead`,
    ],
  };
}

/** Evaluations per second of a synchronous evaluator, after a short warm-up. */
function rateSync(sample: Lead[], seconds: number, f: (lead: Lead) => number): number {
  let sink = 0;
  const run = (ms: number) => {
    let n = 0;
    const start = performance.now(), end = start + ms;
    while (performance.now() < end) {
      for (let i = 0; i < 500; i++) sink += f(sample[(n + i) % sample.length]);
      n += 500;
    }
    return n / ((performance.now() - start) / 1000);
  };
  run(Math.min(300, seconds * 300));
  const rate = run(seconds * 1000);
  if (sink < 0) console.log(sink); // keeps the work observable
  return rate;
}

async function rateAsync(sample: Lead[], seconds: number, f: (lead: Lead) => Promise<unknown>): Promise<number> {
  const run = async (ms: number) => {
    let n = 0;
    const start = performance.now(), end = start + ms;
    while (performance.now() < end) {
      for (let i = 0; i < 20; i++) await f(sample[(n + i) % sample.length]);
      n += 20;
    }
    return n / ((performance.now() - start) / 1000);
  };
  await run(Math.min(300, seconds * 300));
  return run(seconds * 1000);
}
