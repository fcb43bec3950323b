// A decision trace (stored with the lead, shown by explain) holds lead values only clipped to 64
// characters, and never the value of an encrypted field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Assignment, Config, Entity, Partner, Profile } from '../config/types.ts';
import { createMemoryCapStore } from '../caps/memory.ts';
import { decodeTrace, encodeTrace } from '../leads/trace-codec.ts';
import { routeLead, type RouteMode } from './route.ts';
import { compileSnapshot } from './snapshot.ts';
import { clipTraceValue, TRACE_VALUE_MAX } from './trace-values.ts';

const entity: Entity = {
  id: 'auto',
  fields: {
    email: { type: 'string', required: true },
    notes: { type: 'string' },
    extra: { type: 'object' },
    ssn: { type: 'string', encrypted: true },
    applicant: { type: 'object', fields: { name: { type: 'string' }, dob: { type: 'string', encrypted: true } } },
  },
};
const partner = (id: string): Partner => ({ id, name: id, active: true, delivery: { webhook: { url: `https://${id}.example/x` } } });
const assign = (p: string, priority: number, extra: Partial<Assignment> = {}): Assignment => ({ partner: p, priority, active: true, ...extra });
const profile = (id: string, partners: Assignment[], extra: Partial<Profile> = {}): Profile =>
  ({ id, entity: 'auto', name: id, enabled: true, strategy: 'send-to-all', rules: [], partners, ...extra });
const config = (profiles: Profile[], partners: Partner[]): Config => ({
  entities: new Map([[entity.id, entity]]), partners: new Map(partners.map((p) => [p.id, p])), profiles, routingTests: [], docs: [], hash: 't', dir: '.',
});

const NOW = new Date('2026-03-10T15:00:00Z');
let seq = 0;
const opts = (mode: RouteMode) => ({ caps: createMemoryCapStore({ now: () => NOW.getTime() }), now: NOW, mode, capPrefix: 't:', newId: () => `d${++seq}` });

const LONG = `${'x'.repeat(300)}@example.com`;
const DOB = '1970-01-01-secret-dob';
const SSN = '078-05-1120';

// Every partner misses its rules on a long value or on an object that holds an encrypted field.
const snapshot = () => compileSnapshot(config([
  profile('p', [
    assign('long', 5, { rules: [{ field: 'email', endsWith: '@acme.example' }] }),
    assign('object', 4, { rules: [{ field: 'extra', empty: true }] }),
    assign('nested-secret', 3, { rules: [{ field: 'applicant', empty: true }] }),
    assign('any-secret', 2, { rules: [{ any: [{ field: 'applicant', empty: true }, { field: 'notes', equals: 'x' }] }] }),
    assign('not-secret', 1, { rules: [{ not: { all: [{ field: 'email', contains: '@' }, { field: 'applicant', empty: false }] } }] }),
  ], { rules: [{ field: 'notes', equals: 'vip' }] }),
  profile('q', [assign('long', 1)], { rules: [{ field: 'email', startsWith: 'y' }] }),
], ['long', 'object', 'nested-secret', 'any-secret', 'not-secret'].map(partner)), { env: {} });

const lead = {
  email: LONG, notes: 'vip', ssn: SSN,
  extra: { a: 'y'.repeat(100), b: [1, 2, 3] },
  applicant: { name: 'Ann', dob: DOB },
};

/** Every `actual` in a trace. */
function actuals(trace: unknown): unknown[] {
  const out: unknown[] = [];
  JSON.stringify(trace, (k, v) => {
    if (k === 'failed' && v && typeof v === 'object') out.push((v as { actual?: unknown }).actual);
    return v;
  });
  return out;
}

describe('decision trace values', () => {
  for (const mode of ['live', 'dry-run'] as const) {
    it(`${mode}: lead values are clipped to ${TRACE_VALUE_MAX} characters; no encrypted value anywhere`, async () => {
      const d = await routeLead(snapshot(), 'auto', lead, opts(mode));
      const json = JSON.stringify(d.trace);
      expect(json).not.toContain(DOB);
      expect(json).not.toContain(SSN);
      expect(json).not.toContain('x'.repeat(TRACE_VALUE_MAX));
      const seen = actuals(d.trace);
      expect(seen.length).toBeGreaterThanOrEqual(mode === 'live' ? 5 : 6);
      for (const a of seen) expect((typeof a === 'string' ? a : JSON.stringify(a)).length, JSON.stringify(a)).toBeLessThanOrEqual(TRACE_VALUE_MAX);
      // The decision itself is the one the real lead gets: every partner missed its rules.
      expect(d.routes).toEqual([]);
      expect(d.trace[0].partners.map((p) => p.reason)).toEqual(['rules', 'rules', 'rules', 'rules', 'rules']);
    });
  }

  it('the messages say what the values were, clipped, and survive the stored form unchanged', async () => {
    const d = await routeLead(snapshot(), 'auto', lead, opts('dry-run'));
    const long = d.trace[0].partners[0];
    expect(long.failed?.actual).toBe(`${LONG.slice(0, TRACE_VALUE_MAX - 1)}…`);
    expect(long.message).toBe(`long skipped: email "${LONG.slice(0, 59)}…" does not end with "@acme.example" (at partners[0].rules[0])`);
    const secret = d.trace[0].partners[2];
    expect(secret.failed?.actual).toEqual({ name: 'Ann', dob: '[encrypted]' });
    expect(secret.message).toContain('"dob":"[encrypted]"');
    expect(d.trace[1].failed?.actual).toBe(`${LONG.slice(0, TRACE_VALUE_MAX - 1)}…`);
    expect(JSON.parse(JSON.stringify(decodeTrace(encodeTrace(d.trace))))).toEqual(JSON.parse(JSON.stringify(d.trace)));
  });

  it('a lead without the nested encrypted field routes as before', async () => {
    const d = await routeLead(snapshot(), 'auto', { email: 'a@acme.example', notes: 'vip', extra: {}, applicant: {} }, opts('live'));
    expect(d.routes.map((r) => r.partner)).toEqual(['long', 'object', 'nested-secret', 'any-secret', 'not-secret']);
  });
});

describe('clipTraceValue', () => {
  it('leaves short values as they are (the same value)', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      if ((JSON.stringify(v) ?? '').length > TRACE_VALUE_MAX) return;
      if (typeof v === 'string' && v.length > TRACE_VALUE_MAX) return;
      expect(clipTraceValue(v)).toBe(v);
    }));
  });

  it('clips anything longer to a string of at most 64 characters that starts the value', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      const out = clipTraceValue(v);
      if (out === v) return;
      expect(typeof out).toBe('string');
      const s = out as string;
      expect(s.length).toBeLessThanOrEqual(TRACE_VALUE_MAX);
      expect(s.endsWith('…')).toBe(true);
      const whole = typeof v === 'string' ? v : JSON.stringify(v);
      expect(whole.startsWith(s.slice(0, -1))).toBe(true);
    }));
    expect(clipTraceValue('a'.repeat(65))).toBe(`${'a'.repeat(63)}…`);
    expect(clipTraceValue('a'.repeat(64))).toBe('a'.repeat(64));
  });

  it('never cuts a character in half', () => {
    const s = `${'a'.repeat(62)}😀😀`;
    expect(clipTraceValue(s)).toBe(`${'a'.repeat(62)}…`);
  });
});
