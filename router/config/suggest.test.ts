import { describe, expect, it } from 'vitest';
import { didYouMean, nearest } from './suggest.ts';

describe('nearest', () => {
  it('suggests close ids, swapped letters and case slips', () => {
    expect(nearest('prioirty', ['priority', 'price', 'partner'])).toBe('priority');
    expect(nearest('Nwe', ['New', 'Contacted'])).toBe('New');
    expect(nearest('new', ['New', 'Contacted'])).toBe('New');
    expect(nearest('NJ', ['NY', 'CT'])).toBe('NY');
  });

  it('stays quiet when nothing is close, or the word itself is the only candidate', () => {
    expect(nearest('zzz', ['acme', 'northwind'])).toBeUndefined();
    expect(nearest('AB', ['NY'])).toBeUndefined();
    expect(nearest('acme', ['acme'])).toBeUndefined();
    expect(nearest('acme', [])).toBeUndefined();
    expect(didYouMean('mortgag', ['mortgage', 'solar'])).toBe('did you mean mortgage?');
  });
});
