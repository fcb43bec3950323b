import { describe, expect, it } from 'vitest';
import { compilePath } from './path.ts';

describe('compilePath', () => {
  it('reads top-level, nested and deeply nested fields', () => {
    const lead = { state: 'NY', address: { postcode: '10001', geo: { lat: { deg: 40 } } } };
    expect(compilePath('state')(lead)).toBe('NY');
    expect(compilePath('address.postcode')(lead)).toBe('10001');
    expect(compilePath('address.geo.lat.deg')(lead)).toBe(40);
    expect(compilePath('address')(lead)).toEqual(lead.address);
  });

  it('returns undefined for missing fields and null or non-object intermediates', () => {
    expect(compilePath('zip')({ state: 'NY' })).toBeUndefined();
    expect(compilePath('address.postcode')({ address: null })).toBeUndefined();
    expect(compilePath('address.postcode')({ address: 'Main St' })).toBeUndefined();
    expect(compilePath('address.postcode')({ address: 42 })).toBeUndefined();
    expect(compilePath('a.b.c')({ a: { b: null } })).toBeUndefined();
    expect(compilePath('a.b.c')({ a: { b: true } })).toBeUndefined();
    expect(compilePath('state')(null)).toBeUndefined();
    expect(compilePath('state')(undefined)).toBeUndefined();
    expect(compilePath('length')('a string')).toBeUndefined();
    expect(compilePath('a.length')({ a: 'a string' })).toBeUndefined();
  });

  it('keeps null values as null (a present field that is null)', () => {
    expect(compilePath('zip')({ zip: null })).toBeNull();
    expect(compilePath('a.zip')({ a: { zip: null } })).toBeNull();
  });

  it('reads own properties only, never the prototype chain', () => {
    const proto = { inherited: 'yes', nested: { x: 1 } };
    const lead = Object.create(proto) as Record<string, unknown>;
    lead.own = 'mine';
    expect(compilePath('own')(lead)).toBe('mine');
    expect(compilePath('inherited')(lead)).toBeUndefined();
    expect(compilePath('nested.x')(lead)).toBeUndefined();
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(compilePath(name)({})).toBeUndefined();
      expect(compilePath(`a.${name}`)({ a: {} })).toBeUndefined();
    }
    expect(compilePath('__proto__')({})).toBeUndefined();
    expect(compilePath('a.__proto__')({ a: {} })).toBeUndefined();
    // JSON.parse makes `__proto__` an own key; it is still never read.
    expect(compilePath('__proto__.polluted')(JSON.parse('{"__proto__": {"polluted": 1}}'))).toBeUndefined();
  });

  it('ignores a polluted Object.prototype', () => {
    const key = `polluted_${Math.random().toString(36).slice(2)}`;
    (Object.prototype as Record<string, unknown>)[key] = 'evil';
    try {
      expect(compilePath(key)({})).toBeUndefined();
      expect(compilePath(`a.${key}`)({ a: {} })).toBeUndefined();
    } finally {
      delete (Object.prototype as Record<string, unknown>)[key];
    }
  });

  it('reads array elements by index as own properties', () => {
    expect(compilePath('items.1')({ items: ['a', 'b'] })).toBe('b');
    expect(compilePath('items.length')({ items: ['a', 'b'] })).toBe(2);
  });

  it('reads objects with a null prototype', () => {
    const lead = Object.assign(Object.create(null) as Record<string, unknown>, { a: Object.assign(Object.create(null), { b: 1 }) });
    expect(compilePath('a.b')(lead)).toBe(1);
  });

  it('never throws: throwing getters and proxy traps read as missing', () => {
    const getter = Object.defineProperty({}, 'zip', { get() { throw new Error('boom'); }, enumerable: true });
    expect(compilePath('zip')(getter)).toBeUndefined();
    expect(compilePath('a.zip')({ a: getter })).toBeUndefined();
    expect(compilePath('a.b.zip')({ a: { b: getter } })).toBeUndefined();
    const hostile = new Proxy({}, { getOwnPropertyDescriptor() { throw new Error('trap'); }, get() { throw new Error('trap'); } });
    expect(compilePath('x')(hostile)).toBeUndefined();
    expect(compilePath('x.y')(hostile)).toBeUndefined();
    const { proxy, revoke } = Proxy.revocable({ x: 1 }, {});
    revoke();
    expect(compilePath('x')(proxy)).toBeUndefined();
  });
});
