// A generated profiles tree for the HTTP and reload benches, written as real YAML files (one file
// per profile, as teams keep them) and loaded by the router's own loader. Profiles split by
// state × product; every partner's webhook points at one URL (the bench's sink on loopback).
// `treeLeads` draws leads that each match exactly one profile and, through its catch-all
// assignment, always find a partner: one 202 = one delivery.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { prng } from './prng.ts';
import { STATES } from './sections/routing.ts';

export interface TreeOptions {
  profiles: number;
  /** Assignments per profile (default 20, all the partners). */
  partnersPerProfile?: number;
  /** Where every partner's webhook posts (an http URL on loopback is allowed by the validator). */
  webhookUrl: string;
  /** Caps on every assignment: `huge` (10⁹ a day: counted, never full) or none. Default huge. */
  caps?: 'huge' | 'none';
  seed?: number;
}

export interface TreeInfo {
  dir: string;
  entity: string;
  profiles: number;
  partners: number;
  files: number;
  /** Paths of the profile files, relative to dir (for the reload bench to rewrite). */
  profileFiles: string[];
}

export const TREE_ENTITY = 'mortgage';
const PARTNERS = 20;
const PROPERTY = ['single-family', 'condo', 'townhouse', 'multi-family'];

const productOf = (i: number) => `product-${Math.floor(i / STATES.length)}`;
const stateOf = (i: number) => STATES[i % STATES.length];

export async function writeTree(dir: string, opts: TreeOptions): Promise<TreeInfo> {
  const rnd = prng(opts.seed ?? 11);
  const perProfile = Math.min(opts.partnersPerProfile ?? PARTNERS, PARTNERS);
  const caps = (opts.caps ?? 'huge') === 'huge' ? '    caps: { day: 1000000000 }\n' : '';
  await mkdir(path.join(dir, 'partners'), { recursive: true });
  await writeFile(path.join(dir, 'entity.yaml'), ENTITY_YAML);
  for (let j = 0; j < PARTNERS; j++) {
    await writeFile(path.join(dir, 'partners', `partner-${j}.yaml`), partnerYaml(j, opts.webhookUrl));
  }
  const profileFiles: string[] = [];
  const dirs = new Set<string>();
  for (let i = 0; i < opts.profiles; i++) {
    const state = stateOf(i);
    const rel = path.join('profiles', state.toLowerCase(), `${productOf(i)}.yaml`);
    if (!dirs.has(state)) {
      await mkdir(path.join(dir, 'profiles', state.toLowerCase()), { recursive: true });
      dirs.add(state);
    }
    await writeFile(path.join(dir, rel), profileYaml(i, perProfile, caps, rnd));
    profileFiles.push(rel);
  }
  return { dir, entity: TREE_ENTITY, profiles: opts.profiles, partners: PARTNERS, files: 1 + PARTNERS + opts.profiles, profileFiles };
}

/** Leads for a tree of `profiles` profiles, each matching exactly one of them. */
export function treeLeads(profiles: number, n: number, seed = 5): Record<string, unknown>[] {
  const rnd = prng(seed);
  return Array.from({ length: n }, (_, k) => {
    const i = Math.floor(rnd() * profiles);
    return {
      email: `lead${k}@example.com`,
      firstName: 'Ada',
      lastName: 'Lovelace',
      phone: '+15555550100',
      state: stateOf(i),
      product: productOf(i),
      zip: String(10000 + Math.floor(rnd() * 89999)),
      status: 'New',
      loanAmount: 60_000 + Math.floor(rnd() * 1_500_000),
      creditScore: 550 + Math.floor(rnd() * 300),
      propertyType: PROPERTY[Math.floor(rnd() * PROPERTY.length)],
      loanPurpose: rnd() < 0.5 ? 'purchase' : 'refinance',
    };
  });
}

const ENTITY_YAML = `kind: Entity
id: ${TREE_ENTITY}
name: Mortgage leads
timezone: America/New_York
fields:
  email: { type: string, required: true }
  firstName: { type: string }
  lastName: { type: string }
  phone: { type: string }
  state: { type: string, required: true }
  product: { type: string, required: true }
  zip: { type: string }
  status: { type: string, enum: [New, Contacted] }
  loanAmount: { type: number }
  creditScore: { type: integer }
  propertyType: { type: string }
  loanPurpose: { type: string, enum: [purchase, refinance] }
  ssn: { type: string, encrypted: true }
`;

function partnerYaml(j: number, url: string): string {
  return `kind: Partner
id: partner-${j}
name: Partner ${j}
timezone: ${['America/New_York', 'America/Chicago', 'America/Los_Angeles'][j % 3]}
delivery:
  webhook:
    url: ${url}
    timeout: 5s
`;
}

// Partner conditions of the kinds real buyers set: zip prefixes, amount ranges, property types,
// a nested any/all; the last assignment takes whatever the others did not.
function partnerRules(rnd: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const templates = [
    () => `{ field: zip, startsWith: "${Math.floor(rnd() * 10)}" }`,
    () => {
      const lo = 50_000 + Math.floor(rnd() * 10) * 50_000;
      return `{ field: loanAmount, between: [${lo}, ${lo + 300_000 + Math.floor(rnd() * 10) * 100_000}] }`;
    },
    () => `{ field: propertyType, in: [${[...PROPERTY].sort(() => rnd() - 0.5).slice(0, 2).join(', ')}] }`,
    () => `{ any: [ { all: [ { field: loanPurpose, equals: refinance }, { field: creditScore, gte: ${640 + Math.floor(rnd() * 8) * 10} } ] }, { field: loanAmount, gt: 400000 } ] }`,
    () => `{ field: creditScore, gte: ${pick([580, 620, 660, 700])} }`,
  ];
  const n = 2 + Math.floor(rnd() * 3);
  const chosen = [...templates.keys()].sort(() => rnd() - 0.5).slice(0, n);
  return chosen.map((t) => `      - ${templates[t]()}\n`).join('');
}

function profileYaml(i: number, perProfile: number, caps: string, rnd: () => number): string {
  const state = stateOf(i), product = productOf(i);
  let out = `kind: Profile
id: ${state.toLowerCase()}-${product}
entity: ${TREE_ENTITY}
name: ${state} ${product}
description: Generated profile ${i}
strategy: first-match
rules:
  - { field: state, equals: ${state} }
  - { field: product, equals: ${product} }
  - { field: loanAmount, between: [50000, 2000000] }
partners:
`;
  for (let k = 0; k < perProfile; k++) {
    const last = k === perProfile - 1;
    out += `  - partner: partner-${(i + k) % PARTNERS}
    priority: ${last ? 0 : 1 + Math.floor(rnd() * 3) * 5}
    price: ${(10 + Math.floor(rnd() * 400) / 10).toFixed(1)}
${caps}${last ? '' : `    rules:\n${partnerRules(rnd)}`}`;
  }
  return out;
}
