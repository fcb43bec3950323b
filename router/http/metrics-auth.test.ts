import { describe, expect, it } from 'vitest';
import { readRouterEnv } from '../env.ts';
import { harness } from './test-fixtures.ts';

const scrape = (h: ReturnType<typeof harness>, authorization?: string) =>
  h.app.request('/metrics', authorization ? { headers: { authorization } } : {});

describe('/metrics and METRICS_API_KEY', () => {
  it('without a key: open, as Prometheus expects by default', async () => {
    const res = await scrape(harness());
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('leads_received_total');
  });

  it('with a key: 401 without it or with another one (no metric in the body); 200 with it', async () => {
    const h = harness({ metricsKey: 'm-secret' });
    for (const auth of [undefined, 'Bearer wrong', 'Bearer m-secret-longer', 'Basic m-secret']) {
      const res = await scrape(h, auth);
      expect(res.status, String(auth)).toBe(401);
      const body = await res.json();
      expect(body.error.code).toBe('UNAUTHORIZED');
      expect(JSON.stringify(body)).not.toContain('leads_received_total');
    }
    const ok = await scrape(h, 'Bearer m-secret');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('leads_received_total');
  });

  it('lead-source and admin keys do not open /metrics when it has its own key', async () => {
    const h = harness({ metricsKey: 'm-secret', apiKeys: ['src'], adminKey: 'adm' });
    expect((await scrape(h, 'Bearer src')).status).toBe(401);
    expect((await scrape(h, 'Bearer adm')).status).toBe(401);
  });

  it('is read from the environment (blank: unset)', () => {
    expect(readRouterEnv({ METRICS_API_KEY: ' k ' }).metricsKey).toBe('k');
    expect(readRouterEnv({ METRICS_API_KEY: ' ' }).metricsKey).toBeUndefined();
  });
});
