import { describe, expect, it } from 'vitest';
import { compileDedupe, fingerprints, normalise } from './fingerprint.ts';

describe('normalise', () => {
  it('trims; lowercases emails; reduces phones to digits, dropping a North American country code', () => {
    expect(normalise('email', '  Ann.Lee@Example.COM ')).toBe('ann.lee@example.com');
    expect(normalise('contact.workEmail', 'A@B.C')).toBe('a@b.c');
    expect(normalise('phone', '+1 (212) 555-0134')).toBe('2125550134');
    expect(normalise('mobilePhone', '212.555.0134')).toBe('2125550134');
    expect(normalise('phone', '+44 20 7946 0958')).toBe('442079460958');
    expect(normalise('lastName', '  Lee ')).toBe('Lee');
    expect(normalise('email', '   ')).toBeNull();
    expect(normalise('phone', 'n/a')).toBeNull();
    expect(normalise('address', { city: 'x' })).toBeNull();
  });
});

describe('fingerprints', () => {
  const rule = compileDedupe({ fields: ['email', 'phone', 'address.zip'], window: '30d' });
  const key = Buffer.from('k');

  it('one keyed hash per field present; the same consumer written differently hashes the same', () => {
    const a = fingerprints(key, rule, { email: 'A@x.example', phone: '+1 212 555 0134', address: { zip: '10001' } });
    const b = fingerprints(key, rule, { email: ' a@X.example', phone: '(212) 555-0134', address: { zip: '10001' } });
    expect(a.map((f) => f.field)).toEqual(['email', 'phone', 'address.zip']);
    expect(b).toEqual(a);
    expect(fingerprints(key, rule, { email: 'a@x.example' })).toEqual([a[0]]);
  });

  it('hashes hold no value, depend on the key and on the field', () => {
    const [f] = fingerprints(key, rule, { email: 'a@x.example' });
    expect(f.hash).toMatch(/^[0-9a-f]{40}$/);
    expect(fingerprints(Buffer.from('other'), rule, { email: 'a@x.example' })[0].hash).not.toBe(f.hash);
    const sameText = compileDedupe({ fields: ['phone', 'fax'], window: '1d' });
    const [p, x] = fingerprints(key, sameText, { phone: '2125550134', fax: '2125550134' });
    expect(p.hash).not.toBe(x.hash);
  });
});
