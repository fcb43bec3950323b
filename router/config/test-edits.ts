// Test helpers shared by the loader tests: random edits of a test tree (some break it, some mend
// it), and what a load says in a form tests can compare.
import { PARTNERS, PROFILE, ENTITY } from './test-tree.ts';
import type { LoadResult } from './types.ts';

/** What a load says, without the position closures (compared through the problems). */
export function comparable(r: LoadResult) {
  if (!r.ok) return { ok: false, problems: r.problems };
  const c = r.config;
  return {
    ok: true,
    problems: r.problems,
    hash: c.hash,
    entities: [...c.entities],
    partners: [...c.partners],
    profiles: c.profiles,
    tests: c.routingTests.map((t) => [t.file, t.value]),
    docs: c.docs.map((d) => [d.file, d.kind, d.value]),
  };
}

export const profile = (id: string, extra = '') => PROFILE.replace('id: residential', `id: ${id}`) + extra;

/** Edits, each a file and its new text (null: delete). Some break the tree, some mend it. */
export const EDITS: ((n: number) => [string, string | null])[] = [
  (n) => [`profiles/p${n % 4}.yaml`, profile(`p${n % 4}`)],
  (n) => [`profiles/p${n % 4}.yaml`, profile(`p${n % 4}`).replace('equals: New', 'equals: Nwe')],
  (n) => [`profiles/p${n % 4}.yaml`, profile(`p${n % 4}`).replace('field: status', 'field: stat')],
  (n) => [`profiles/p${n % 4}.yaml`, profile(`p${n % 4}`).replace('partner: acme', 'partner: acne')],
  (n) => [`profiles/p${n % 4}.yaml`, profile('residential')], // a duplicate id
  (n) => [`profiles/p${n % 4}.yaml`, profile(`p${n % 4}`).replace('priority: 10', 'prioirty: 10')],
  (n) => [`profiles/p${n % 4}.yaml`, 'kind: Profile\nid: [broken\n'],
  (n) => [`profiles/p${n % 4}.yaml`, null],
  (n) => [`profiles/p${n % 4}.yaml`, profile(`p${n % 4}`, '    caps: { day: 0 }\n')],
  () => ['entities/mortgage.yaml', ENTITY],
  () => ['entities/mortgage.yaml', ENTITY.replace('  status:', '  state2: { type: string }\n  status:')],
  () => ['entities/mortgage.yaml', ENTITY.replace('  status: { type: string, enum: [New, Contacted] }\n', '')],
  () => ['entities/mortgage.yaml', ENTITY.replace('id: mortgage', 'id: mortgages')],
  () => ['entities/mortgage.yaml', ENTITY.replace('America/New_York', 'America/Nowhere')],
  () => ['partners.yaml', PARTNERS],
  () => ['partners.yaml', PARTNERS.replace('id: acme', 'id: acme2')],
  () => ['partners.yaml', PARTNERS.replace('{{state}}', '{{stat}}')],
  () => ['partners.yaml', PARTNERS.replace('https://hooks', 'http://hooks')],
  () => ['partners.yaml', PARTNERS.replace('${ACME_TOKEN}', '${ADMIN_API_KEY}')],
  (n) => [`profiles/p${n % 4}.yaml`, profile(`p${n % 4}`).replace('partner: northwind', 'partner: northwind\n    delivery: { webhook: { url: "https://x.example/${REDIS_URL}" } }')],
  // Checks split between one document (assignments) and the whole tree (partners against the profiles that use them).
  (n) => [`profiles/p${n % 4}.yaml`, profile(`p${n % 4}`).replace('priority: 10', 'priority: 10\n    schedule: { mon-fri: "07:00-25:00" }')],
  (n) => [`profiles/p${n % 4}.yaml`, profile(`p${n % 4}`).replace('priority: 10', 'priority: 10\n    budget: { day: 100 }')],
  (n) => [`profiles/p${n % 4}.yaml`, profile(`p${n % 4}`).replace('priority: 10', 'priority: 10\n    dedupe: { fields: [emial], window: 30d }')],
  (n) => [`profiles/p${n % 4}.yaml`, profile(`p${n % 4}`).replace('priority: 10', 'priority: 10\n    delivery: { webhook: { url: "http://x.example/{{x}}", template: { a: "{{stat}}" } } }')],
  (n) => [`profiles/p${n % 4}.yaml`, profile(`p${n % 4}`).replace('name: Residential', 'name: Residential\nstrategy: ping-post').replace('priority: 10', 'priority: 10\n    ping: { url: "https://p.example/", fields: [ssn, zipp] }')],
  (n) => [`profiles/p${n % 4}.yaml`, profile(`p${n % 4}`).replace('name: Residential', 'name: Residential\nauction: { timeout: 2x }')],
  () => ['partners.yaml', PARTNERS.replace('timezone: America/Los_Angeles', 'timezone: America/Los_Angeles\nschedule: { mon: "09:00-08:00" }\nbudget: { day: 50 }\ndedupe: { fields: [zipp, email] }\nping: { url: "https://p.example/", fields: [zipp, ssn] }')],
  () => ['partners.yaml', PARTNERS.replace('timezone: America/Los_Angeles', 'timezone: America/Los_Angeles\nreturns: { window: 7x }')],
  () => ['tests.yaml', 'kind: RoutingTest\nentity: mortgage\ncases:\n  - { name: x, lead: { state: NY }, expect: unmatched }\n'],
  () => ['tests.yaml', null],
];
