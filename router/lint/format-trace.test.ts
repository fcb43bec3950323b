import { describe, expect, it } from 'vitest';
import type { Config, Entity, Partner, Profile } from '../config/types.ts';
import { createMemoryCapStore } from '../caps/memory.ts';
import { compileSnapshot } from '../routing/snapshot.ts';
import { routeLead } from '../routing/route.ts';
import { explainJson, formatDecision, formatRoutes } from './format-trace.ts';

const entity: Entity = { id: 'mortgage', fields: { email: { type: 'string' }, state: { type: 'string' }, zip: { type: 'string' } } };
const partner = (id: string): Partner => ({ id, name: id, active: true, delivery: { webhook: { url: `https://${id}.example/` } } });
const profile = (id: string, extra: Partial<Profile>): Profile => ({
  id, entity: 'mortgage', name: id, enabled: true, strategy: 'first-match', rules: [], partners: [], ...extra,
});
const config: Config = {
  entities: new Map([[entity.id, entity]]),
  partners: new Map([['acme', partner('acme')], ['northwind', partner('northwind')]]),
  profiles: [
    profile('east', {
      rules: [{ field: 'state', in: ['NY', 'NJ'] }],
      partners: [
        { partner: 'acme', priority: 10, active: true, price: 42.5, rules: [{ field: 'zip', startsWith: '90' }] },
        { partner: 'northwind', priority: 5, active: true },
      ],
    }),
    profile('west', { rules: [{ field: 'state', equals: 'CA' }], partners: [{ partner: 'acme', priority: 1, active: true }] }),
  ],
  routingTests: [], docs: [], hash: 'h', dir: 'profiles',
};

async function explain(lead: Record<string, unknown>) {
  let n = 0;
  return routeLead(compileSnapshot(config, { env: {} }), 'mortgage', lead, {
    caps: createMemoryCapStore(), now: new Date('2026-01-05T12:00:00Z'), mode: 'dry-run', capPrefix: 't:', newId: () => `id${++n}`,
  });
}

describe('formatDecision', () => {
  it('prints the outcome, then every profile and its partners with the trace messages', async () => {
    const d = await explain({ email: 'a@example.com', state: 'NY', zip: '10001' });
    expect(formatDecision(d)).toEqual([
      'mortgage lead routed to east/northwind',
      '  profile east matched',
      '    acme skipped: zip "10001" does not start with "90" (at partners[0].rules[0])',
      '    northwind selected (priority 5)',
      '  profile west skipped: state "NY" does not equal "CA" (at rules[0])',
    ]);
  });

  it('says when the lead is unmatched', async () => {
    const d = await explain({ email: 'a@example.com', state: 'TX' });
    expect(formatDecision(d)[0]).toBe('mortgage lead unmatched: no partner gets it');
    expect(formatRoutes([])).toBe('unmatched');
  });

  it('explainJson is the HTTP explain shape: no delivery or reservation ids', async () => {
    const d = await explain({ email: 'a@example.com', state: 'CA' });
    const json = explainJson(d);
    expect(json.routes).toEqual([{ profile: 'west', partner: 'acme', priority: 1 }]);
    expect(json.trace).toBe(d.trace);
    expect(JSON.stringify(json)).not.toContain('deliveryId');
  });
});
