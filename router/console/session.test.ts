import { describe, expect, it } from 'vitest';
import { SESSION_TTL_MS, createSessionKeys } from './session.ts';

describe('console sessions', () => {
  const keys = createSessionKeys('admin-key-1');
  const t = Date.UTC(2026, 0, 1);

  it('verifies its own cookie until it expires', () => {
    const { value, session } = keys.issue(t);
    expect(keys.verify(value, t + 1)).toEqual(session);
    expect(keys.verify(value, t + SESSION_TTL_MS)).toBeNull();
  });

  it('refuses a cookie signed under another admin key, or with a changed payload', () => {
    const { value } = keys.issue(t);
    expect(createSessionKeys('admin-key-2').verify(value, t)).toBeNull();
    const [payload, mac] = value.split('.');
    const longer = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), e: t + 10 * SESSION_TTL_MS })).toString('base64url');
    expect(keys.verify(`${longer}.${mac}`, t)).toBeNull();
    for (const junk of [undefined, '', 'x', '.', `${payload}.`, `${payload}.${mac}x`]) expect(keys.verify(junk, t)).toBeNull();
  });

  it('refuses a revoked session', () => {
    const { value, session } = keys.issue(t);
    keys.revoke(session);
    expect(keys.verify(value, t)).toBeNull();
  });

  it('ties a CSRF token to its session', () => {
    const a = keys.issue(t).session;
    const b = keys.issue(t).session;
    expect(keys.checkCsrf(a, keys.csrfToken(a))).toBe(true);
    expect(keys.checkCsrf(a, keys.csrfToken(b))).toBe(false);
    expect(keys.checkCsrf(a, undefined)).toBe(false);
    expect(keys.checkCsrf(a, '')).toBe(false);
  });

  it('accepts a sign-in form token until it expires, and no forged one', () => {
    const token = keys.signInToken(t);
    expect(keys.checkSignInToken(token, t + 1000)).toBe(true);
    expect(keys.checkSignInToken(token, t + 31 * 60_000)).toBe(false);
    expect(keys.checkSignInToken(`${t + 60_000}.forged`, t)).toBe(false);
    expect(createSessionKeys('other').checkSignInToken(token, t)).toBe(false);
  });
});
