// The console in a real browser: Debian's chromium driven by playwright-core (no browser
// download). One browser for the file. Screenshots of each page go to .screenshots/ (git-ignored)
// for a reviewer; axe-core checks each page for serious or critical accessibility violations.

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startConsoleRouter, type ConsoleRouter } from './testing.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = resolve(import.meta.dirname, '..', '..', '.screenshots');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: unknown }[] }

describe('console in a browser', () => {
  let r: ConsoleRouter;
  let context: BrowserContext;
  let page: Page;
  let profileDir: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    profileDir = mkdtempSync(join(tmpdir(), 'leadroute-chromium-'));
    r = await startConsoleRouter();
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1200, height: 900 },
    });
    context.setDefaultTimeout(5_000);
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    await r?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `console-${name}.png`), fullPage: true });

  /** axe-core on the page: the serious and critical violations. */
  async function axeProblems(): Promise<string[]> {
    await page.evaluate(AXE);
    const { violations, passes } = await page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[]; passes: unknown[] }> } }).axe;
      const result = await axe.run();
      return { violations: result.violations, passes: result.passes.length };
    });
    expect(passes, 'axe ran its checks').toBeGreaterThan(10);
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`);
  }

  it('signs in with the admin key', async () => {
    await page.goto(`${r.url}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    expect(await axeProblems()).toEqual([]);
    await shot('sign-in');
    await page.getByLabel('Admin API key').fill('wrong key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('not the admin API key');
    await page.getByLabel('Admin API key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const [session] = (await context.cookies()).filter((c) => c.name === 'leadroute_console');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  });

  it('shows a posted lead in Leads, and its trace on its page', async () => {
    const leadId = await r.postLead({ email: 'b@example.com', state: 'NY', ssn: '987-65-4321' });
    await page.getByRole('link', { name: 'Leads', exact: true }).click();
    await page.getByRole('heading', { name: 'Leads' }).waitFor();
    expect(await axeProblems()).toEqual([]);
    await shot('leads');
    await page.getByRole('link', { name: leadId }).click();
    await page.getByRole('heading', { name: 'Decision trace' }).waitFor();
    const text = await page.locator('main').innerText();
    expect(text).toContain('profile east matched');
    expect(text).not.toContain('987-65-4321');
    expect(await axeProblems()).toEqual([]);
    await shot('lead');
  });

  it('shows the overview chart and the partners\' cap usage', async () => {
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('img', { name: 'Leads and deliveries per minute' }).waitFor();
    expect(await axeProblems()).toEqual([]);
    await shot('overview');
    await page.getByRole('link', { name: 'Partners' }).click();
    await page.getByRole('heading', { name: /Alpha Lending/ }).waitFor();
    expect(await page.getByRole('meter').count()).toBeGreaterThan(0);
    expect(await axeProblems()).toEqual([]);
    await shot('partners');
  });

  it('retries a dead letter from its page, after confirmation', async () => {
    const leadId = await r.postLead({ email: 'c@example.com', state: 'NJ' });
    await expect.poll(async () => {
      await page.goto(`${r.url}/console/dead-letters`);
      return page.getByRole('link', { name: leadId }).count();
    }, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await axeProblems()).toEqual([]);
    await shot('dead-letters');
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: leadId }) });
    await row.getByRole('link', { name: /Retry delivery/ }).click();
    await page.getByRole('heading', { name: 'Retry a dead letter' }).waitFor();
    expect(await axeProblems()).toEqual([]);
    r.gammaStatus.value = 200;
    await page.getByRole('button', { name: 'Yes, retry the delivery' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/is queued again/);
    await shot('dead-letter-retried');
    await expect.poll(async () => {
      await page.goto(`${r.url}/console/leads/${leadId}`);
      return page.locator('main').innerText();
    }, { timeout: 15_000 }).toMatch(/gamma\s+\d+\s+webhook\s+accepted/);
    r.gammaStatus.value = 500;
  });

  it('explains a pasted lead', async () => {
    await page.getByRole('link', { name: 'Explain' }).click();
    await page.getByLabel('Entity', { exact: true }).selectOption('lead');
    await page.getByLabel(/Lead \(JSON/).fill('{"email":"d@example.com","state":"CA"}');
    await page.getByRole('button', { name: 'Explain' }).click();
    await page.getByRole('heading', { name: 'Trace' }).waitFor({ timeout: 5000 }).catch(async (e) => { await shot('explain-failed'); throw e; });
    expect(await page.getByRole('heading', { level: 2 }).first().textContent()).toBe('lead lead unmatched: no partner gets it');
    expect(await page.locator('main').innerText()).toMatch(/profile east/);
    expect(await axeProblems()).toEqual([]);
    await shot('explain');
  });

  it('refuses a form with a wrong CSRF token, and a request without the cookie', async () => {
    await page.goto(`${r.url}/console/explain`);
    await page.locator('main input[name=csrf]').evaluate((el) => { (el as HTMLInputElement).value = 'forged'; });
    await page.getByLabel(/Lead \(JSON/).fill('{"email":"e@example.com","state":"NY"}');
    const [answer] = await Promise.all([page.waitForResponse((res) => res.request().method() === 'POST'), page.getByRole('button', { name: 'Explain' }).click()]);
    expect(answer.status()).toBe(403);
    expect(await page.locator('main').innerText()).toContain('CSRF check failed');
    const anonymous = await fetch(`${r.url}/console/explain`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'entity=lead&lead=%7B%7D',
    });
    expect(anonymous.status).toBe(401);
  });

  it('signs out, which ends the session', async () => {
    await page.goto(`${r.url}/console`);
    const [session] = (await context.cookies()).filter((c) => c.name === 'leadroute_console');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect((await context.cookies()).filter((c) => c.name === 'leadroute_console')).toEqual([]);
    // The old cookie value, replayed, is refused too.
    const replay = await fetch(`${r.url}/console`, { headers: { cookie: `leadroute_console=${session.value}` }, redirect: 'manual' });
    expect(replay.status).toBe(303);
  });
});
