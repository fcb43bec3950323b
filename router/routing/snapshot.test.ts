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
