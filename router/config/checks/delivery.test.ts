import { describe, expect, it } from 'vitest';
import { isEnvOnly, isSecretHeader, isValidEmail, placeholders } from './delivery.ts';

describe('delivery helpers', () => {
  it('knows secret header names', () => {
    for (const name of ['Authorization', 'proxy-authorization', 'X-Api-Key', 'apikey', 'X-Auth-Token', 'token', 'X-Client-Secret']) expect(isSecretHeader(name), name).toBe(true);
    for (const name of ['X-Source', 'Content-Type', 'Accept', 'X-Keyboard']) expect(isSecretHeader(name), name).toBe(false);
  });

  it('accepts values built only from ${ENV} references', () => {
    expect(isEnvOnly('${A}', false)).toBe(true);
    expect(isEnvOnly('Bearer ${A}', true)).toBe(true);
    expect(isEnvOnly('${U}:${P}', true)).toBe(true);
    expect(isEnvOnly('', true)).toBe(true);
    expect(isEnvOnly('Bearer ${A}', false)).toBe(false);
    expect(isEnvOnly('Bearer abc123', true)).toBe(false);
    expect(isEnvOnly('abc${A}', true)).toBe(false);
    expect(isEnvOnly('${A} trailing', true)).toBe(false);
    expect(isEnvOnly('$A', true)).toBe(false);
  });

  it('validates email addresses, bare or with a display name', () => {
    for (const ok of ['a@b.example', 'first.last+tag@sub.example.com', 'Leads <leads@x.example>']) expect(isValidEmail(ok), ok).toBe(true);
    for (const bad of ['a', 'a@b', '@b.example', 'a b@c.example', 'a@-b.example', 'Leads <a@b>', 'a@b.example,c@d.example']) expect(isValidEmail(bad), bad).toBe(false);
  });

  it('finds {{placeholders}} as the template engine does', () => {
    expect(placeholders('New {{state}} lead {{ lead.zip }} {{}} {x}')).toEqual(['state', 'lead.zip']);
  });
});
