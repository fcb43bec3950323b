// Console sessions and CSRF tokens, stateless: a session is a signed cookie value
// `<payload>.<mac>` (payload: base64url JSON of a random id and an expiry), signed with HMAC-SHA256
// under a key derived from ADMIN_API_KEY, so changing the admin key ends every session. A form's
// CSRF token is the HMAC of the session id: it cannot be made without the key, and belongs to one
// session. The sign-in form, before any session, carries a token of its own that expires.
// Signing out revokes the session id in this process until it would have expired.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'leadroute_console';
export const SESSION_TTL_MS = 8 * 3_600_000;
const SIGN_IN_TOKEN_TTL_MS = 30 * 60_000;

export interface Session {
  id: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface SessionKeys {
  /** A new session's cookie value. */
  issue(now: number): { value: string; session: Session };
  /** The session of a cookie value, or null when it is forged, expired or signed out. */
  verify(value: string | undefined, now: number): Session | null;
  revoke(session: Session): void;
  csrfToken(session: Session): string;
  checkCsrf(session: Session, token: unknown): boolean;
  /** A token for the sign-in form (there is no session yet). */
  signInToken(now: number): string;
  checkSignInToken(token: unknown, now: number): boolean;
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createSessionKeys(adminKey: string): SessionKeys {
  // A key of its own, derived from the admin key: a session MAC never reveals anything about it.
  const key = createHmac('sha256', adminKey).update('leadroute console session key v1').digest();
  const mac = (purpose: string, text: string) => createHmac('sha256', key).update(`${purpose}\u0000${text}`).digest('base64url');
  const revoked = new Map<string, number>();

  const sweep = (now: number) => {
    for (const [id, until] of revoked) if (until <= now) revoked.delete(id);
  };

  return {
    issue(now) {
      const session = { id: randomBytes(18).toString('base64url'), expiresAt: now + SESSION_TTL_MS };
      const payload = b64(JSON.stringify({ i: session.id, e: session.expiresAt }));
      return { value: `${payload}.${mac('session', payload)}`, session };
    },
    verify(value, now) {
      if (!value || value.length > 512) return null;
      const dot = value.indexOf('.');
      if (dot < 0) return null;
      const payload = value.slice(0, dot);
      if (!sameText(value.slice(dot + 1), mac('session', payload))) return null;
      let parsed: { i?: unknown; e?: unknown };
      try {
        parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { i?: unknown; e?: unknown };
      } catch {
        return null;
      }
      if (typeof parsed.i !== 'string' || typeof parsed.e !== 'number' || parsed.e <= now) return null;
      if (revoked.has(parsed.i)) return null;
      return { id: parsed.i, expiresAt: parsed.e };
    },
    revoke(session) {
      sweep(Date.now());
      revoked.set(session.id, session.expiresAt);
    },
    csrfToken(session) {
      return mac('csrf', session.id);
    },
    checkCsrf(session, token) {
      return typeof token === 'string' && sameText(token, mac('csrf', session.id));
    },
    signInToken(now) {
      const until = String(now + SIGN_IN_TOKEN_TTL_MS);
      return `${until}.${mac('sign-in', until)}`;
    },
    checkSignInToken(token, now) {
      if (typeof token !== 'string') return false;
      const [until, m] = token.split('.');
      return Boolean(until && m) && sameText(m, mac('sign-in', until)) && Number(until) > now;
    },
  };
}
