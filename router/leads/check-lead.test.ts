import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Entity } from '../config/types.ts';
import { checkLead, compileLeadChecker, definedFields } from './check-lead.ts';

const mortgage: Entity = {
  id: 'mortgage',
  fields: {
    email: { type: 'string', required: true, pattern: '^[^@\\s]+@[^@\\s]+$' },
    state: { type: 'string', required: true, enum: ['NY', 'NJ', 'CT', 'PA'] },
    loanAmount: { type: 'number' },
    units: { type: 'integer' },
    firstTime: { type: 'boolean' },
    status: { type: 'string', enum: ['New', 'Contacted'] },
    ssn: { type: 'string', encrypted: true, pattern: '^\\d{3}-\\d{2}-\\d{4}$' },
    pin: { type: 'string', encrypted: true, enum: ['1111', '2222'] },
    address: {
      type: 'object',
      fields: { city: { type: 'string' }, postcode: { type: 'string', required: true, pattern: '^\\d{5}$' } },
    },
  },
};

describe('definedFields', () => {
  it('drops fields the entity does not define, nested ones too, and names them', () => {
    const r = definedFields(mortgage, { email: 'a@b.c', utm_source: 'fb', address: { city: 'Albany', street: 'Main' } });
    expect(r.lead).toEqual({ email: 'a@b.c', address: { city: 'Albany' } });
    expect(r.dropped).toEqual(['utm_source', 'address.street']);
  });
});

describe('checkLead', () => {
  it('accepts a valid lead', () => {
    expect(checkLead(mortgage, {
      email: 'a@example.com', state: 'NY', loanAmount: 300000.5, units: 2, firstTime: true,
      status: 'New', ssn: '123-45-6789', address: { city: 'Albany', postcode: '12201' },
    })).toEqual([]);
  });

  it('treats null as absent', () => {
    expect(checkLead(mortgage, { email: 'a@b.c', state: 'NY', status: null, loanAmount: undefined })).toEqual([]);
    expect(checkLead(mortgage, { email: null, state: 'NY' }).map((e) => e.code)).toEqual(['required']);
  });

  it('returns every field error at once, nested paths included', () => {
    const errors = checkLead(mortgage, {
      email: 'not-an-email', state: 'TX', loanAmount: '300000', units: 1.5, firstTime: 'yes',
      colour: 'red', address: { postcode: 'ABC', street: 'Main' },
    });
    expect(errors.map((e) => [e.field, e.code])).toEqual([
      ['email', 'pattern'],
      ['state', 'enum'],
      ['loanAmount', 'type'],
      ['units', 'type'],
      ['firstTime', 'type'],
      ['address.postcode', 'pattern'],
    ]);
    expect(errors.find((e) => e.field === 'state')!.message).toBe('state "TX" is not one of [NY, NJ, CT, PA]');
    expect(errors.find((e) => e.field === 'loanAmount')!.message).toBe('loanAmount must be a number, got a string');
  });

  it('reports missing required fields, also inside objects', () => {
    expect(checkLead(mortgage, { address: {} }).map((e) => `${e.field}:${e.code}`)).toEqual([
      'email:required', 'state:required', 'address.postcode:required',
    ]);
  });

  it('rejects non-finite numbers, arrays as objects, and non-object leads', () => {
    expect(checkLead(mortgage, { email: 'a@b.c', state: 'NY', address: [] })[0]).toMatchObject({ field: 'address', code: 'type' });
    expect(checkLead(mortgage, [])).toEqual([{ field: '', code: 'type', message: 'a lead must be a JSON object, got an array' }]);
    expect(checkLead(mortgage, null)[0].code).toBe('type');
  });

  it('never puts an encrypted value in a message', () => {
    const errors = checkLead(mortgage, { email: 'a@b.c', state: 'NY', ssn: '999999999', pin: 'SECRET-PIN' });
    expect(errors.map((e) => e.code)).toEqual(['pattern', 'enum']);
    const text = JSON.stringify(errors);
    expect(text).not.toContain('999999999');
    expect(text).not.toContain('SECRET-PIN');
  });

  it('does not consult inherited properties', () => {
    const lead = Object.create({ email: 'a@b.c' }) as Record<string, unknown>;
    lead.state = 'NY';
    expect(checkLead(mortgage, lead).map((e) => e.field)).toEqual(['email']);
  });

  it('a compiled checker is reusable and a broken pattern fails closed', () => {
    const check = compileLeadChecker({ id: 'x', fields: { a: { type: 'string', pattern: '(' } } });
    expect(check({ a: 'anything' })[0].code).toBe('pattern');
    expect(check({})).toEqual([]);
  });
});

describe('checkLead: hostile values', () => {
  const entity: Entity = {
    id: 'e',
    fields: {
      ref: { type: 'string', pattern: '^([0-9]+-?)+$' },
      note: { type: 'string' },
      code: { type: 'string', maxLength: 5 },
      extras: { type: 'object' },
      address: { type: 'object', fields: { meta: { type: 'object' } } },
    },
  };
  const nested = (depth: number): unknown => {
    let v: unknown = 1;
    for (let i = 0; i < depth; i++) v = { a: v };
    return v;
  };
  const errorsOf = (lead: unknown) => checkLead(entity, lead).map((e) => [e.field, e.code]);

  it('a value built to backtrack the pattern is answered at once (linear-time matching)', () => {
    expect(errorsOf({ ref: `${'1'.repeat(40)}!` })).toEqual([['ref', 'pattern']]);
    expect(errorsOf({ ref: '12-34' })).toEqual([]);
  });

  it('strings are at most 1,000 characters unless the field says otherwise (maxLength)', () => {
    expect(errorsOf({ note: 'x'.repeat(1000) })).toEqual([]);
    expect(errorsOf({ note: 'x'.repeat(1001) })).toEqual([['note', 'maxLength']]);
    expect(errorsOf({ code: '12345' })).toEqual([]);
    expect(checkLead(entity, { code: '123456' })).toEqual([{ field: 'code', code: 'maxLength', message: 'code is 6 characters long; at most 5 are allowed' }]);
    // Characters, not UTF-16 units: five emoji are five characters.
    expect(errorsOf({ code: '😀😀😀😀😀' })).toEqual([]);
    // Too long: the pattern is not tried.
    expect(errorsOf({ ref: '1'.repeat(1001) })).toEqual([['ref', 'maxLength']]);
  });

  it('a free-form object nests at most 32 levels', () => {
    // The field's own object is level 1.
    expect(errorsOf({ extras: nested(32) })).toEqual([]);
    expect(errorsOf({ extras: nested(33) })).toEqual([['extras', 'maxDepth']]);
    expect(errorsOf({ extras: nested(10_000) })).toEqual([['extras', 'maxDepth']]);
    let arrays: unknown = [];
    for (let i = 0; i < 10_000; i++) arrays = [arrays];
    expect(errorsOf({ extras: { list: arrays } })).toEqual([['extras', 'maxDepth']]);
    expect(errorsOf({ address: { meta: nested(40) } })).toEqual([['address.meta', 'maxDepth']]);
  });

  it('arrays in a free-form object hold at most 1,000 items', () => {
    expect(errorsOf({ extras: { list: new Array(1000).fill(0) } })).toEqual([]);
    const errors = checkLead(entity, { extras: { a: [{ list: new Array(1001).fill(0) }] } });
    expect(errors).toEqual([{ field: 'extras', code: 'maxItems', message: 'extras.a[0].list holds 1001 items; at most 1000 are allowed' }]);
  });

  it('refuses __proto__, constructor and prototype as keys of a free-form object', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const lead = JSON.parse(`{"extras":{"a":{"${key}":{"polluted":true}}}}`) as unknown;
      const errors = checkLead(entity, lead);
      expect(errors, key).toEqual([{ field: 'extras', code: 'forbiddenKey', message: `extras.a holds the key "${key}", which is never accepted` }]);
    }
  });

  it('the checks of a hostile shape never throw, whatever the value', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(errorsOf({ extras: cyclic })).toEqual([['extras', 'maxDepth']]);
  });
});

describe('checkLead: any JSON in a free-form object', () => {
  const entity: Entity = { id: 'e', fields: { extras: { type: 'object' } } };
  const depthOf = (v: unknown): number =>
    typeof v !== 'object' || v === null ? 0 : 1 + Math.max(0, ...Object.values(v).map(depthOf));
  // Deep chains as well as wide values: fast-check's own JSON stays shallow.
  const deepChain = fc.tuple(fc.integer({ min: 1, max: 60 }), fc.jsonValue({ maxDepth: 2 })).map(([n, leaf]) => {
    let v: unknown = leaf;
    for (let i = 0; i < n; i++) v = i % 2 ? [v] : { k: v };
    return v;
  });
  const value = fc.oneof(fc.jsonValue({ maxDepth: 6 }), deepChain);

  it('never throws; what it accepts serialises and clones; what it refuses has a shape code', () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), value), (extras) => {
      const errors = checkLead(entity, { extras });
      if (errors.length === 0) {
        expect(depthOf(extras)).toBeLessThanOrEqual(32);
        expect(() => structuredClone(JSON.parse(JSON.stringify(extras)))).not.toThrow();
      } else {
        expect(errors).toHaveLength(1);
        expect(['maxDepth', 'maxItems', 'forbiddenKey']).toContain(errors[0].code);
        expect(errors[0].field).toBe('extras');
      }
      // The walk stops at the first problem: depth decides when no other problem came first.
      if (!errors.some((e) => e.code !== 'maxDepth')) expect(depthOf(extras) > 32).toBe(errors.length === 1);
    }), { numRuns: 500 });
  });
});
