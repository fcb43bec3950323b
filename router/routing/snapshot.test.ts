import { describe, expect, it } from 'vitest';
import type { Config, Partner } from '../config/types.ts';
import { compileSnapshot } from './snapshot.ts';

function configWith(partner: Partner): Config {
  return {
    entities: new Map([['m', { id: 'm', fields: { email: { type: 'string' } } }]]),
    partners: new Map([[partner.id, partner]]),
    profiles: [{ id: 'p', entity: 'm', name: 'p', enabled: true, strategy: 'first-match', rules: [], partners: [{ partner: partner.id, priority: 0, active: true }] }],
    routingTests: [], docs: [], hash: 'h', dir: '.',
  };
}

const acme: Partner = {
  id: 'acme', name: 'Acme', active: true,
  delivery: { webhook: { url: 'https://acme.example/x', headers: { Authorization: 'Bearer ${ACME_TOKEN}' }, signingSecret: '${ACME_SECRET}' } },
};

describe('compileSnapshot: ${ENV} secrets', () => {
  it('resolves every reference when the environment has them', () => {
    const snap = compileSnapshot(configWith(acme), { env: { ACME_TOKEN: 't0k', ACME_SECRET: 'whsec_AAAA' } });
    const wh = snap.entity('m')!.profiles[0].assignments[0].delivery.webhook!;
    expect(wh.headers).toEqual({ Authorization: 'Bearer t0k' });
    expect(wh.signingSecret).toBe('whsec_AAAA');
    expect(snap.missingEnv).toEqual([]);
  });

  it('keeps a delivery with an unset variable unresolved (the channel refuses it) and names what is missing', () => {
    const snap = compileSnapshot(configWith(acme), { env: { ACME_TOKEN: 't0k' } });
    const wh = snap.entity('m')!.profiles[0].assignments[0].delivery.webhook!;
    expect(wh.signingSecret).toBe('${ACME_SECRET}');
    expect(snap.missingEnv).toEqual(['ACME_SECRET']);
  });
});

describe('compileSnapshot with the previous snapshot', () => {
  const partner = (id: string, token = 'ACME_TOKEN'): Partner => ({
    id, name: id, active: true, delivery: { webhook: { url: `https://${id}.example/x`, headers: { Authorization: `Bearer \${${token}}` } } },
  });
  const entity = { id: 'm', fields: { email: { type: 'string' as const } } };
  const profile = (id: string, partners: string[]) => ({
    id, entity: 'm', name: id, enabled: true, strategy: 'first-match' as const, rules: [],
    partners: partners.map((p, i) => ({ partner: p, priority: i, active: true })),
  });
  const config = (profiles: Config['profiles'], partners: Partner[]): Config => ({
    entities: new Map([['m', entity]]), partners: new Map(partners.map((p) => [p.id, p])), profiles, routingTests: [], docs: [], hash: 'h', dir: '.',
  });
  /** What routing reads from a snapshot, comparable across compiles. */
  const shape = (s: ReturnType<typeof compileSnapshot>) => ({
    missing: s.missingEnv,
    profiles: s.entity('m')!.profiles.map((cp) => [cp.profile.id, cp.order, cp.assignments.map((a) => [a.partner.id, a.assignment.priority, a.delivery])]),
  });

  it('reuses what did not change and compiles what did, to the same result as a fresh compile', () => {
    const env = { ACME_TOKEN: 't' };
    const [acme, zeta] = [partner('acme'), partner('zeta', 'ZETA_TOKEN')];
    const [a, b, c] = [profile('a', ['acme']), profile('b', ['zeta']), profile('c', ['acme', 'zeta'])];
    const first = compileSnapshot(config([a, b, c], [acme, zeta]), { env });

    // b changed: a and c are the same compiled objects.
    const b2 = profile('b', ['acme']);
    const second = compileSnapshot(config([a, b2, c], [acme, zeta]), { env, previous: first });
    const [pa, pb, pc] = second.entity('m')!.profiles;
    expect(pa).toBe(first.entity('m')!.profiles[0]);
    expect(pb).not.toBe(first.entity('m')!.profiles[1]);
    expect(pc).toBe(first.entity('m')!.profiles[2]);
    expect(shape(second)).toEqual(shape(compileSnapshot(config([a, b2, c], [acme, zeta]), { env })));

    // zeta changed: the profiles that use it are compiled again; a removed profile shifts the order.
    const zeta2 = partner('zeta', 'OTHER');
    const third = compileSnapshot(config([b2, c], [acme, zeta2]), { env, previous: second });
    expect(third.entity('m')!.profiles[0]).not.toBe(pb); // order changed
    expect(third.entity('m')!.profiles[1]).not.toBe(pc); // uses zeta
    expect(shape(third)).toEqual(shape(compileSnapshot(config([b2, c], [acme, zeta2]), { env })));
    expect(third.missingEnv).toEqual(['OTHER']);

    // Nothing changed: the compiled entity itself is reused.
    const fourth = compileSnapshot(config([b2, c], [acme, zeta2]), { env, previous: third });
    expect(fourth.entity('m')).toBe(third.entity('m'));
    expect(fourth.missingEnv).toEqual(['OTHER']);
  });

  it('keeps the compiled rules of a rule list that is the same (frozen) object in a changed profile', () => {
    const env = { ACME_TOKEN: 't' };
    const acme = partner('acme');
    const rules = Object.freeze([Object.freeze({ field: 'email', contains: '@' })]) as Config['profiles'][number]['rules'];
    const assignment = Object.freeze({ partner: 'acme', priority: 0, active: true, rules });
    const a = Object.freeze({ ...profile('a', []), rules, partners: Object.freeze([assignment]) });
    const first = compileSnapshot(config([a], [acme]), { env });
    // A new profile object (its description changed) holding the same lists.
    const a2 = Object.freeze({ ...a, description: 'new' });
    const second = compileSnapshot(config([a2], [acme]), { env, previous: first });
    const [before, after] = [first.entity('m')!.profiles[0], second.entity('m')!.profiles[0]];
    expect(after).not.toBe(before);
    expect(after.rules).toBe(before.rules);
    expect(after.assignments[0].rules).toBe(before.assignments[0].rules);
    // A list that changed is compiled again, and routes as it says.
    const a3 = Object.freeze({ ...a2, rules: Object.freeze([Object.freeze({ field: 'email', contains: '#' })]) });
    const third = compileSnapshot(config([a3], [acme]), { env, previous: second });
    expect(third.entity('m')!.profiles[0].rules).not.toBe(after.rules);
    expect(third.entity('m')!.profiles[0].rules.test({ email: 'a@b' })).toBe(false);
    expect(after.rules.test({ email: 'a@b' })).toBe(true);
  });

  it('reports the unset variables of a kept profile too: its deliveries and its assignments\' own pings', () => {
    const env = {};
    const acme = partner('acme');
    const ping = { url: 'https://ping.example', fields: ['email'], headers: { Authorization: 'Bearer ${PING_TOKEN}' } };
    const pinged: Config['profiles'][number] = { ...profile('a', []), strategy: 'ping-post', partners: [{ partner: 'acme', priority: 0, active: true, ping }] };
    const b = profile('b', ['acme']);
    const first = compileSnapshot(config([pinged, b], [acme]), { env });
    expect(first.missingEnv).toEqual(['ACME_TOKEN', 'PING_TOKEN']);
    // b changes; a is kept, and still names what it misses.
    const second = compileSnapshot(config([pinged, profile('b', [])], [acme]), { env, previous: first });
    expect(second.entity('m')!.profiles[0]).toBe(first.entity('m')!.profiles[0]);
    expect(second.missingEnv).toEqual(['ACME_TOKEN', 'PING_TOKEN']);
    // Without a, nothing names PING_TOKEN.
    expect(compileSnapshot(config([b], [acme]), { env, previous: second }).missingEnv).toEqual(['ACME_TOKEN']);
  });
});
