// The operator console, under /console: server-rendered pages (hono/jsx), no script, no external
// request. Sign-in takes the admin key and sets a signed session cookie (session.ts); every form
// that changes something carries the session's CSRF token. Explain and dead-letter retries go
// through the app's own JSON endpoints (POST /v1/explain/{entity}, POST /v1/deliveries/{id}/retry),
// so the console answers exactly as the API does, errors included.

import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { LeadrouteError } from '../errors.ts';
import type { AppDeps } from '../http/deps.ts';
import { createKeyRing } from '../http/auth.ts';
import { readBodyText } from '../http/node-request.ts';
import type { ConsoleSources } from './deps.ts';
import { Layout, Note } from './layout.tsx';
import { SESSION_COOKIE, SESSION_TTL_MS, createSessionKeys } from './session.ts';
import type { ConsoleApp, ConsoleEnv } from './types.ts';
import { DisabledPage, SignInPage } from './pages/sign-in.tsx';
import { registerPages } from './pages.tsx';


/** Where the sub-app is mounted. */
export const CONSOLE_PATH = '/console';

// No script runs on any page; styles are inline; forms post to this origin only.
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
};

const secure = (c: Context) => new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';

/** The form fields of a urlencoded POST body (at most `limit` bytes). */
async function formOf(c: Context, limit: number): Promise<URLSearchParams> {
  return new URLSearchParams(await readBodyText(c, limit));
}

/** Wrong keys at sign-in: after SIGN_IN_MAX_FAILURES within SIGN_IN_WINDOW_MS, sign-in pauses (per process). */
export const SIGN_IN_MAX_FAILURES = 10;
const SIGN_IN_WINDOW_MS = 5 * 60_000;

function signInFailures() {
  let times: number[] = [];
  return {
    add(t: number) {
      times.push(t);
    },
    blocked(t: number) {
      times = times.filter((x) => x > t - SIGN_IN_WINDOW_MS);
      return times.length >= SIGN_IN_MAX_FAILURES;
    },
  };
}


export function createConsole(deps: AppDeps, sources: ConsoleSources, fetchApp: (req: Request) => Response | Promise<Response>): Hono<ConsoleEnv> {
  const con = new Hono<ConsoleEnv>();
  const adminKey = deps.adminKey;
  const keys = adminKey ? createSessionKeys(adminKey) : null;
  const ring = createKeyRing([], adminKey);
  const limit = (deps.bodyLimit ?? 64 * 1024) * 3; // a urlencoded lead is up to three times its JSON
  const now = () => Date.now();
  const failures = signInFailures();

  con.use('*', async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
  });

  con.onError((err, c) => {
    const status = err instanceof LeadrouteError && err.code === 'TOO_LARGE' ? 413 : err instanceof LeadrouteError && err.code === 'UNAVAILABLE' ? 503 : 500;
    if (status === 500) deps.logger.error({ err, path: c.req.path }, 'console page failed');
    const text = status === 500 ? 'The page could not be made; the router log says why.' : err.message;
    return c.html(<Layout title="Something went wrong"><Note bad>{text}</Note><p><a href={CONSOLE_PATH}>Back to the overview</a></p></Layout>, status);
  });

  // ---- no admin key: disabled --------------------------------------------------------------

  con.use('*', async (c, next) => {
    if (!keys) return c.html(<DisabledPage />, 403);
    return next();
  });

  // ---- sign-in, before any session -----------------------------------------------------------

  con.get('/sign-in', (c) => c.html(<SignInPage token={keys!.signInToken(now())} />));

  con.post('/sign-in', async (c) => {
    const form = await formOf(c, 4096);
    if (!keys!.checkSignInToken(form.get('token'), now())) {
      return c.html(<SignInPage token={keys!.signInToken(now())} error="The sign-in form expired; please try again." />, 403);
    }
    if (failures.blocked(now())) {
      return c.html(<SignInPage token={keys!.signInToken(now())} error="Too many wrong keys: sign-in is paused for a few minutes." />, 429);
    }
    const presented = form.get('key') ?? '';
    if (ring.match(presented)?.kind !== 'admin') {
      failures.add(now());
      deps.logger.warn({ path: c.req.path }, 'console sign-in refused: wrong admin key');
      return c.html(<SignInPage token={keys!.signInToken(now())} error="That is not the admin API key." />, 401);
    }
    const { value } = keys!.issue(now());
    setCookie(c, SESSION_COOKIE, value, {
      path: CONSOLE_PATH, httpOnly: true, sameSite: 'Strict', secure: secure(c), maxAge: Math.floor(SESSION_TTL_MS / 1000),
    });
    deps.logger.info('console session started');
    return c.redirect(CONSOLE_PATH, 303);
  });

  // ---- everything else needs a session; a POST needs its CSRF token too -----------------------

  const signedIn: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
    const session = keys!.verify(getCookie(c, SESSION_COOKIE), now());
    if (!session) {
      if (c.req.method === 'GET' || c.req.method === 'HEAD') return c.redirect(`${CONSOLE_PATH}/sign-in`, 303);
      return c.html(<Layout title="Signed out"><Note bad>Your session has ended. <a href={`${CONSOLE_PATH}/sign-in`}>Sign in</a> again.</Note></Layout>, 401);
    }
    c.set('session', session);
    c.set('csrf', keys!.csrfToken(session));
    return next();
  };
  con.use('*', signedIn);

  con.post('*', async (c, next) => {
    // The body is read once, here; handlers take the fields from c.get('form').
    const form = await formOf(c, limit);
    c.set('form', form);
    if (!keys!.checkCsrf(c.get('session'), form.get('csrf'))) {
      deps.logger.warn({ path: c.req.path }, 'console form refused: bad CSRF token');
      return c.html(<Layout title="Refused"><Note bad>This form is out of date or did not come from the console (CSRF check failed). Reload the page and try again.</Note></Layout>, 403);
    }
    return next();
  });

  con.post('/sign-out', (c) => {
    keys!.revoke(c.get('session'));
    deleteCookie(c, SESSION_COOKIE, { path: CONSOLE_PATH, secure: secure(c), httpOnly: true, sameSite: 'Strict' });
    return c.redirect(`${CONSOLE_PATH}/sign-in`, 303);
  });

  const app: ConsoleApp = {
    async internal(method, path, body) {
      const res = await fetchApp(new Request(`http://console.internal${path}`, {
        method,
        headers: { authorization: `Bearer ${adminKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body,
      }));
      const text = await res.text();
      let json: Record<string, unknown>;
      try {
        json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      } catch {
        json = { error: { code: 'INTERNAL', message: text.slice(0, 200) } };
      }
      return { status: res.status, json };
    },
  };
  registerPages(con, deps, sources, app);
  return con;
}
