// Routing cost as profiles grow: in-process routeLead decisions per second for 100, 1,000 and
// 10,000 profiles of one entity, split by state × product as real accounts split them, each
// lead matching exactly one profile. A linear scan would make 10,000 cost 100× what 100 cost;
// the profile index (router/routing/profile-index.ts) should keep it nearly flat.
import { createMemoryCapStore } from '../../router/caps/memory.ts';
import type { Assignment, Config, Entity, Partner, Profile } from '../../router/config/types.ts';
import { routeLead } from '../../router/routing/route.ts';
import { compileSnapshot } from '../../router/routing/snapshot.ts';
import type { BenchContext } from '../context.ts';
import { prng } from '../prng.ts';
import { atMost, row } from '../report.ts';
import type { Row, SectionResult } from '../report.ts';

export const STATES = [
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY',
  'LA', 'ME', 'MD', 'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND',
  'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY',
] as const;

const PARTNERS = 20;

/**
 * `profiles` profiles of entity `loan`: profile i takes state STATES[i % 50] and product
 * `product-${⌊i / 50⌋}`, plus a loan-amount range, with 3 partners (two at equal priority, so
 * first-match takes turns, and huge caps, so every decision reserves and none is refused).
 */
export function stateProductConfig(profiles: number): Config {
  const entity: Entity = {
    id: 'loan',
    timezone: 'America/New_York',
    fields: {
      email: { type: 'string', required: true },
      state: { type: 'string', required: true },
      product: { type: 'string', required: true },
      zip: { type: 'string' },
      amount: { type: 'number' },
    },
  };
  const partners = new Map<string, Partner>();
  for (let j = 0; j < PARTNERS; j++) {
    const id = `partner-${j}`;
    partners.set(id, { id, name: `Partner ${j}`, active: true, delivery: { webhook: { url: `http://127.0.0.1:9/${id}` } } });
  }
  const list: Profile[] = [];
  for (let i = 0; i < profiles; i++) {
    const assign = (k: number, priority: number): Assignment => ({
      partner: `partner-${(i * 3 + k) % PARTNERS}`,
      priority,
      active: true,
      caps: { day: 1_000_000_000 },
      rules: k === 0 ? [{ field: 'zip', startsWith: String(i % 10) }] : [{ field: 'amount', gte: 10_000 }],
    });
    list.push({
      id: `p${i}`,
      entity: 'loan',
      name: `${STATES[i % STATES.length]} product-${Math.floor(i / STATES.length)}`,
      enabled: true,
      strategy: 'first-match',
      rules: [
        { field: 'state', equals: STATES[i % STATES.length] },
        { field: 'product', equals: `product-${Math.floor(i / STATES.length)}` },
        { field: 'amount', between: [10_000, 5_000_000] },
      ],
      partners: [assign(0, 10), assign(1, 5), assign(2, 5)],
    });
  }
  return {
    entities: new Map([[entity.id, entity]]),
    partners,
    profiles: list,
    routingTests: [],
    docs: [],
    hash: `bench-${profiles}`,
    dir: '(in memory)',
  };
}

/** Leads that each match exactly one profile of stateProductConfig(profiles). */
export function stateProductLeads(profiles: number, n: number, seed = 7): Record<string, unknown>[] {
  const rnd = prng(seed);
  return Array.from({ length: n }, (_, k) => {
    const i = Math.floor(rnd() * profiles);
    return {
      email: `lead${k}@example.com`,
      state: STATES[i % STATES.length],
      product: `product-${Math.floor(i / STATES.length)}`,
      zip: String(10000 + Math.floor(rnd() * 89999)),
      amount: 20_000 + Math.floor(rnd() * 900_000),
    };
  });
}

interface SizeFigures {
  profiles: number;
  decisionsPerSecond: number;
  microsPerDecision: number;
  candidatesPerLead: number;
  routedShare: number;
  compileMs: number;
}

export async function routingSection(ctx: BenchContext): Promise<SectionResult> {
  const sizes = ctx.smoke ? [100, 200, 400] : [100, 1_000, 10_000];
  const seconds = ctx.smoke ? 0.05 : 1.5;
  const figures: SizeFigures[] = [];
  for (const size of sizes) {
    ctx.log(`routing: ${size.toLocaleString('en-US')} profiles`);
    figures.push(await measure(size, seconds));
  }
  const first = figures[0], last = figures[figures.length - 1];
  const growth = last.microsPerDecision / first.microsPerDecision;
  const rows: Row[] = figures.map((f) =>
    row(`${f.profiles.toLocaleString('en-US')} profiles (${f.candidatesPerLead.toFixed(1)} candidates/lead)`, f.decisionsPerSecond, 'decisions/s'),
  );
  rows.push(
    row(`cost of a decision, ${last.profiles.toLocaleString('en-US')} ÷ ${first.profiles.toLocaleString('en-US')} profiles`, growth, '×', undefined, atMost(growth, 3, '≤ 3×')),
  );
  return {
    name: 'routing',
    title: 'Routing cost as profiles grow (routeLead, memory caps, live mode)',
    rows,
    details: { sizes: figures, secondsPerSize: seconds },
    notes: [
      `one entity; profile i: state = one of 50 states, product = product-⌊i/50⌋, amount between 10k and 5M; 3 partners each (first-match, two at equal priority, day cap 10⁹); 20 partners in all`,
      `leads drawn so each matches exactly one profile (routed ${(last.routedShare * 100).toFixed(0)} % at the largest size); candidates/lead = profiles the index hands to rule evaluation`,
    ],
  };
}

async function measure(profiles: number, seconds: number): Promise<SizeFigures> {
  const t0 = performance.now();
  const snapshot = compileSnapshot(stateProductConfig(profiles), { env: {} });
  const compileMs = performance.now() - t0;
  const leads = stateProductLeads(profiles, 5_000);
  const caps = createMemoryCapStore();
  let id = 0;
  const opts = { caps, mode: 'live' as const, capPrefix: 'bench:', now: new Date(), newId: () => `d${++id}` };
  const ce = snapshot.entity('loan')!;
  const candidatesPerLead = leads.reduce((n, l) => n + ce.index.candidates(l).length, 0) / leads.length;

  let routed = 0;
  const run = async (ms: number) => {
    let n = 0;
    const start = performance.now(), end = start + ms;
    while (performance.now() < end) {
      for (let i = 0; i < 100; i++) {
        const d = await routeLead(snapshot, 'loan', leads[(n + i) % leads.length], opts);
        if (d.status === 'routed') routed++;
      }
      n += 100;
    }
    return { n, rate: n / ((performance.now() - start) / 1000) };
  };
  await run(Math.min(300, seconds * 300));
  routed = 0;
  const { n, rate } = await run(seconds * 1000);
  await caps.close();
  return { profiles, decisionsPerSecond: rate, microsPerDecision: 1e6 / rate, candidatesPerLead, routedShare: routed / n, compileMs };
}
