import { describe, expect, it } from 'vitest';
import { EVERY_UNITS, parseDuration, TIMEOUT_UNITS } from './duration.ts';

describe('parseDuration', () => {
  it('reads a whole number and a unit', () => {
    expect(parseDuration('1500ms')).toBe(1500);
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('90m')).toBe(5_400_000);
    expect(parseDuration('36h')).toBe(129_600_000);
    expect(parseDuration('14d')).toBe(1_209_600_000);
  });

  it('takes only the units a setting allows', () => {
    expect(parseDuration('1h', TIMEOUT_UNITS)).toBeNull();
    expect(parseDuration('2m', TIMEOUT_UNITS)).toBe(120_000);
    expect(parseDuration('10s', EVERY_UNITS)).toBeNull();
    expect(parseDuration('36h', EVERY_UNITS)).toBe(129_600_000);
  });

  it('rejects zero, decimals, spaces, compounds and non-strings', () => {
    for (const bad of ['0s', '1.5s', '10 s', ' 10s', '1h30m', '10', 's', '', '-1s']) expect(parseDuration(bad), bad).toBeNull();
    expect(parseDuration(10)).toBeNull();
    expect(parseDuration(undefined)).toBeNull();
  });
});
