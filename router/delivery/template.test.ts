import { describe, expect, it } from 'vitest';
import { flatten, getPath, pickFields, renderTemplate, renderText } from './template.ts';

const data = { state: 'NY', amount: 300000, ok: true, none: null, address: { city: 'New York', zip: '10001' }, tags: ['a', 'b'] };

describe('template', () => {
  it('reads dotted paths of own properties only', () => {
    expect(getPath(data, 'address.city')).toBe('New York');
    expect(getPath(data, 'tags.1')).toBe('b');
    expect(getPath(data, 'address.nope.deeper')).toBeUndefined();
    expect(getPath(data, 'state.length')).toBeUndefined();
    expect(getPath(data, 'constructor')).toBeUndefined();
    expect(getPath(data, '__proto__')).toBeUndefined();
    expect(getPath(data, 'address.toString')).toBeUndefined();
    expect(getPath(data, 'tags.map')).toBeUndefined();
  });

  it('interpolates text: scalars as written, objects as JSON, missing and null as empty', () => {
    expect(renderText('{{state}} {{ amount }} {{ok}} [{{none}}] [{{missing}}] {{address}} {{tags}}', data)).toBe(
      'NY 300000 true [] [] {"city":"New York","zip":"10001"} ["a","b"]',
    );
    expect(renderText('no placeholders {here}', data)).toBe('no placeholders {here}');
    expect(renderText('{{constructor.constructor}}{{__proto__.polluted}}', data)).toBe('');
  });

  it('keeps the type of a whole-placeholder value and renders deeply', () => {
    expect(renderTemplate({ a: '{{amount}}', b: ' {{ok}} ', c: ['{{address}}', '{{none}}', '{{missing}}'], d: 5, e: false }, data)).toEqual({
      a: 300000,
      b: ' true ',
      c: [{ city: 'New York', zip: '10001' }, null, ''],
      d: 5,
      e: false,
    });
  });

  it('never copies a __proto__ key of a template', () => {
    const template = JSON.parse('{"__proto__":{"polluted":true},"a":"{{state}}"}');
    const out = renderTemplate(template, data) as Record<string, unknown>;
    expect(out).toEqual({ a: 'NY' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('picks fields at their nesting, leaving absent ones out', () => {
    expect(pickFields(data, ['address.zip', 'state', 'absent', 'address.none'])).toEqual({ address: { zip: '10001' }, state: 'NY' });
    expect(pickFields(data, ['address', 'address.city'])).toEqual({ address: { city: 'New York', zip: '10001' } });
  });

  it('flattens to dotted keys', () => {
    expect(flatten({ a: 1, b: { c: 'x', d: { e: null } }, f: ['p', 'q'], g: {} })).toEqual([
      ['a', 1], ['b.c', 'x'], ['b.d.e', null], ['f.0', 'p'], ['f.1', 'q'],
    ]);
  });
});
