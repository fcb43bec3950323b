// A whole router for the console's tests (in-process, real HTTP): a profile tree with a partner
// that takes leads (alpha, capped), one that fails until told otherwise (gamma: one attempt, so
// its deliveries dead-letter at once), and a real partner server playing both.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createRouterRuntime, type RouterRuntime } from '../runtime.ts';
import { startPartnerServer, type PartnerServer } from '../delivery/testing/partner-server.ts';
import { createLogger } from '../observability/logger.ts';

export const ADMIN_KEY = 'console-test-admin-key-0123456789';

const tree = (partnerUrl: string) => `kind: Entity
id: lead
fields:
  email: { type: string, required: true }
  state: { type: string, required: true }
  ssn: { type: string, encrypted: true }
---
kind: Partner
id: alpha
name: Alpha Lending
timezone: America/New_York
caps: { day: 100 }
delivery: { webhook: { url: "${partnerUrl}/alpha" } }
---
kind: Partner
id: gamma
name: Gamma Leads
delivery: { attempts: 1, webhook: { url: "${partnerUrl}/gamma" } }
---
kind: Profile
id: east
entity: lead
name: East coast
strategy: send-to-all
rules:
  - { field: state, in: [NY, NJ] }
partners:
  - { partner: alpha, priority: 10, price: 12.5, caps: { hour: 5, day: 20 } }
  - { partner: gamma, priority: 5 }
`;

export interface ConsoleRouter {
  url: string;
  /** The profiles directory. */
  dir: string;
  runtime: RouterRuntime;
  partners: PartnerServer;
  /** gamma's answer: 500 until set to 200. */
  gammaStatus: { value: number };
  postLead(lead: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function startConsoleRouter(env: Record<string, string> = {}): Promise<ConsoleRouter> {
  const gammaStatus = { value: 500 };
  const partners = await startPartnerServer((r) => ({ status: r.partner === 'gamma' ? gammaStatus.value : 200 }));
  const dir = await mkdtemp(join(tmpdir(), 'leadroute-console-'));
  await writeFile(join(dir, 'all.yaml'), tree(partners.url));
  const quiet = createLogger({ destination: new Writable({ write(_c, _e, cb) { cb(); } }) });
  const runtime = createRouterRuntime(
    { PROFILES_DIR: dir, PORT: '0', HOST: '127.0.0.1', ADMIN_API_KEY: ADMIN_KEY, OUTBOX_DIR: join(dir, 'outbox'), ...env },
    { logger: quiet },
  );
  const { url } = await runtime.start();
  return {
    url, dir, runtime, partners, gammaStatus,
    async postLead(lead) {
      const res = await fetch(`${url}/v1/leads/lead`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` }, body: JSON.stringify(lead),
      });
      if (res.status !== 202) throw new Error(`lead refused: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { leadId: string }).leadId;
    },
    async close() {
      await runtime.stop();
      await partners.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A signed-in cookie jar for fetch: sign in with the admin key, keep the session cookie. */
export async function signIn(url: string, key = ADMIN_KEY): Promise<{ cookie: string; csrf: (html: string) => string }> {
  const form = await (await fetch(`${url}/console/sign-in`)).text();
  const token = /name="token" value="([^"]+)"/.exec(form)?.[1] ?? '';
  const res = await fetch(`${url}/console/sign-in`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, key }).toString(),
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  return { cookie, csrf: (html) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '' };
}
