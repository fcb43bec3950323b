import { describe, expect, it } from 'vitest';
import { deepFreeze } from './freeze.ts';

describe('deepFreeze', () => {
  it('freezes objects, arrays and maps all the way down, cycles included', () => {
    const inner = { list: [{ a: 1 }] };
    const value: Record<string, unknown> = { inner, map: new Map([['k', { b: 2 }]]) };
    value.self = value;
    deepFreeze(value);
    expect(Object.isFrozen(inner.list[0])).toBe(true);
    expect(Object.isFrozen((value.map as Map<string, object>).get('k'))).toBe(true);
    expect(() => (value.map as Map<string, object>).set('x', {})).toThrow(TypeError);
    expect(() => (value.map as Map<string, object>).clear()).toThrow(TypeError);
    expect(() => inner.list.push({ a: 2 })).toThrow(TypeError);
  });
});
