import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '../http/test-fixtures.ts';
import { createMemoryLeadStore } from '../leads/memory-store.ts';
import { waitFor } from '../delivery/testing/wait.ts';
import { deleteRouterKeys, TEST_REDIS_URL, testPrefix } from '../testing/redis-keys.ts';
import { consoleSources } from './deps.ts';
import { SIGN_IN_MAX_FAILURES } from './routes.tsx';
import { ADMIN_KEY, signIn, startConsoleRouter, type ConsoleRouter } from './testing.ts';

const form = (fields: Record<string, string>, cookie?: string): RequestInit => ({
  method: 'POST', redirect: 'manual',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
  body: new URLSearchParams(fields).toString(),
});

describe('console without an admin key', () => {
  it('answers that it is disabled, on every page', async () => {
    const leads = createMemoryLeadStore();
    const h = harness({ console: consoleSources({ leads, queue: { depth: async () => 0, deadLetterCount: async () => 0 } }) });
    for (const path of ['/console', '/console/sign-in', '/console/leads']) {
      const res = await h.app.request(path);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('console is disabled');
    }
    expect((await h.app.request('/console/sign-in', form({ key: 'x' }))).status).toBe(403);
  });
});

describe('console sign-in throttle', () => {
  it('pauses sign-in after 10 wrong keys, even for the right one', async () => {
    const leads = createMemoryLeadStore();
    const h = harness({ adminKey: ADMIN_KEY, console: consoleSources({ leads, queue: { depth: async () => 0, deadLetterCount: async () => 0 } }) });
    const token = async () => /name="token" value="([^"]+)"/.exec(await (await h.app.request('/console/sign-in')).text())![1];
    for (let i = 0; i < SIGN_IN_MAX_FAILURES; i++) expect((await h.app.request('/console/sign-in', form({ token: await token(), key: `guess-${i}` }))).status).toBe(401);
    const right = await h.app.request('/console/sign-in', form({ token: await token(), key: ADMIN_KEY }));
    expect(right.status).toBe(429);
    expect(right.headers.get('set-cookie')).toBeNull();
  });
});

describe('console (embedded router)', () => {
  let r: ConsoleRouter;
  let cookie: string;
  let csrf: (html: string) => string;
  const get = (path: string, c = cookie) => fetch(`${r.url}${path}`, { headers: c ? { cookie: c } : {}, redirect: 'manual' });

  beforeAll(async () => {
    r = await startConsoleRouter();
    ({ cookie, csrf } = await signIn(r.url));
  });
  afterAll(() => r.close());

  it('sends a visitor without a session to sign-in, and refuses a wrong key or a forged form', async () => {
    const res = await get('/console', '');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console/sign-in');
    const page = await (await get('/console/sign-in', '')).text();
    const token = /name="token" value="([^"]+)"/.exec(page)![1];
    const wrong = await fetch(`${r.url}/console/sign-in`, form({ token, key: 'not-the-key' }));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const forged = await fetch(`${r.url}/console/sign-in`, form({ token: `${Date.now() + 60_000}.forged`, key: ADMIN_KEY }));
    expect(forged.status).toBe(403);
    expect(forged.headers.get('set-cookie')).toBeNull();
  });

  it('sets an HttpOnly, SameSite=Strict session cookie, Secure over https', async () => {
    expect(cookie).toMatch(/^leadroute_console=/);
    const page = await (await get('/console/sign-in', '')).text();
    const token = /name="token" value="([^"]+)"/.exec(page)![1];
    const plain = await fetch(`${r.url}/console/sign-in`, form({ token, key: ADMIN_KEY }));
    expect(plain.status).toBe(303);
    expect(plain.headers.get('set-cookie')).toMatch(/HttpOnly/);
    expect(plain.headers.get('set-cookie')).toMatch(/SameSite=Strict/);
    expect(plain.headers.get('set-cookie')).not.toMatch(/Secure/);
    const tls = await fetch(`${r.url}/console/sign-in`, { ...form({ token, key: ADMIN_KEY }), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-proto': 'https' } });
    expect(tls.headers.get('set-cookie')).toMatch(/; Secure/);
  });

  it('refuses a tampered session cookie and a POST without a session or with a wrong CSRF token', async () => {
    const tampered = cookie.slice(0, -2) + (cookie.endsWith('AA') ? 'BB' : 'AA');
    expect((await get('/console', tampered)).status).toBe(303);
    expect((await fetch(`${r.url}/console/explain`, form({ entity: 'lead', lead: '{}' }))).status).toBe(401);
    const page = await (await get('/console/explain')).text();
    const good = csrf(page);
    expect(good).not.toBe('');
    expect((await fetch(`${r.url}/console/explain`, form({ entity: 'lead', lead: '{}', csrf: `${good}x` }, cookie))).status).toBe(403);
    expect((await fetch(`${r.url}/console/explain`, form({ entity: 'lead', lead: '{}' }, cookie))).status).toBe(403);
    // A token from another session does not fit this one.
    const other = await signIn(r.url);
    const otherToken = other.csrf(await (await get('/console/explain', other.cookie)).text());
    expect((await fetch(`${r.url}/console/dead-letters/x/retry`, form({ csrf: otherToken }, cookie))).status).toBe(403);
  });

  it('lists a posted lead; its page shows routes, price and trace but no field value', async () => {
    const leadId = await r.postLead({ email: 'jane.secret@example.com', state: 'NY', ssn: '123-45-6789' });
    const list = await (await get('/console/leads?entity=lead')).text();
    expect(list).toContain(leadId);
    expect(await (await get('/console/leads?partner=nobody')).text()).not.toContain(leadId);
    const page = await (await get(`/console/leads/${leadId}`)).text();
    expect(page).toContain('12.5');
    expect(page).toContain('profile east matched');
    expect(page).not.toContain('123-45-6789');
    expect(page).not.toContain('jane.secret');
    expect((await get('/console/leads/01NOSUCHLEAD')).status).toBe(404);
  });

  it('shows cap usage per window for each partner and assignment', async () => {
    const page = await (await get('/console/partners')).text();
    expect(page).toContain('Alpha Lending');
    expect(page).toMatch(/lead\/east/);
    expect(page).toMatch(/\d+ \/ 5</); // the hour cap of alpha in east
    expect(page).toMatch(/\d+ \/ 100</); // alpha's partner-wide day cap
  });

  it('retries a dead letter through the API, and shows the API\'s refusal', async () => {
    await r.postLead({ email: 'a@example.com', state: 'NJ' });
    const dead = await waitFor('a dead letter', async () => {
      const html = await (await get('/console/dead-letters')).text();
      return /\/console\/dead-letters\/([^/"]+)\/retry/.exec(html)?.[1];
    });
    const confirm = await (await get(`/console/dead-letters/${dead}/retry`)).text();
    expect(confirm).toContain('Yes, retry');
    const token = csrf(confirm);
    const unknown = await fetch(`${r.url}/console/dead-letters/no-such-delivery/retry`, form({ csrf: token }, cookie));
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('no dead-lettered delivery');
    r.gammaStatus.value = 200;
    const ok = await fetch(`${r.url}/console/dead-letters/${dead}/retry`, form({ csrf: token }, cookie));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('is queued again');
    r.gammaStatus.value = 500;
  });

  it('explains a pasted lead, and names the field of an invalid one', async () => {
    const token = csrf(await (await get('/console/explain')).text());
    const good = await fetch(`${r.url}/console/explain`, form({ csrf: token, entity: 'lead', lead: '{"email":"x@example.com","state":"NY"}' }, cookie));
    const html = await good.text();
    expect(html).toContain('lead routed to east/alpha');
    expect(html).toContain('profile east matched');
    const bad = await fetch(`${r.url}/console/explain`, form({ csrf: token, entity: 'lead', lead: '{"state":"NY"}' }, cookie));
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('email');
    const notJson = await fetch(`${r.url}/console/explain`, form({ csrf: token, entity: 'lead', lead: '{' }, cookie));
    expect(await notJson.text()).toContain('not valid JSON');
  });

  it('serves every page under 100 KB, with no script and no external reference', async () => {
    for (const path of ['/console', '/console/partners', '/console/leads', '/console/dead-letters', '/console/explain', '/console/sign-in']) {
      const res = await get(path);
      const html = await res.text();
      expect(res.status, path).toBe(200);
      expect(Buffer.byteLength(html), path).toBeLessThan(100 * 1024);
      expect(html, path).not.toMatch(/<script|(src|href)="(https?:)?\/\//i);
      expect(res.headers.get('content-security-policy'), path).toContain("default-src 'none'");
    }
  });

  it('shows the config version, queue and the last hour on the overview', async () => {
    const html = await (await get('/console')).text();
    expect(html).toContain(r.runtime.snapshot()!.hash);
    expect(html).toContain('not used (embedded)');
    expect(html).toMatch(/leads received: [1-9]/);
  });

  it('shows the problems of a failed reload with file:line:col', async () => {
    const broken = join(r.dir, 'broken.yaml');
    await writeFile(broken, 'kind: Partner\nid: delta\nname: Delta\ndelivery: { webhook: { url: 42 } }\n');
    try {
      expect((await r.runtime.reload()).ok).toBe(false);
      const html = await (await get('/console')).text();
      expect(html).toContain('failed');
      expect(html).toMatch(/broken\.yaml:4:\d+/);
    } finally {
      await rm(broken);
      await r.runtime.reload();
    }
  });

  it('sign-out ends the session: the old cookie is refused', async () => {
    const s = await signIn(r.url);
    const token = s.csrf(await (await get('/console', s.cookie)).text());
    const out = await fetch(`${r.url}/console/sign-out`, form({ csrf: token }, s.cookie));
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/leadroute_console=;/);
    expect((await get('/console', s.cookie)).status).toBe(303);
  });
});

describe('console (router on Redis)', () => {
  const prefix = testPrefix();
  let r: ConsoleRouter;
  beforeAll(async () => {
    r = await startConsoleRouter({ REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, FIELD_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
  });
  afterAll(async () => {
    await r?.close();
    await deleteRouterKeys(TEST_REDIS_URL, prefix);
  });

  it('lists leads from the Redis index and reports Redis on the overview', async () => {
    const { cookie } = await signIn(r.url);
    const leadId = await r.postLead({ email: 'r@example.com', state: 'NY', ssn: '555-12-3456' });
    const get = async (path: string) => (await fetch(`${r.url}${path}`, { headers: { cookie } })).text();
    expect(await get('/console/leads?status=')).toContain(leadId);
    const page = await get(`/console/leads/${leadId}`);
    expect(page).toContain('profile east matched');
    expect(page).not.toContain('555-12-3456');
    const overview = await get('/console');
    expect(overview).toMatch(/Redis<\/div><div class="v ok">ok/);
    expect(await get('/console/partners')).toMatch(/[1-9] \/ 5</);
  });
});
