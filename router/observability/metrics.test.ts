import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';

describe('createMetrics', () => {
  it('records reloads: success keeps the hash and time, failure only flips the flag', async () => {
    const m = createMetrics();
    m.recordReload(true, 'aaa', new Date('2026-01-01T00:00:00Z'));
    m.recordReload(true, 'bbb', new Date('2026-01-01T00:00:10Z'));
    m.recordReload(false);
    const text = await m.registry.metrics();
    expect(text).toContain('config_last_reload_successful 0');
    expect(text).toContain('config_last_reload_success_timestamp_seconds 1767225610');
    expect(text).toContain('config_reloads_total{result="success"} 2');
    expect(text).toContain('config_reloads_total{result="failure"} 1');
    expect(text).toContain('config_hash{hash="bbb"} 1');
    expect(text).not.toContain('hash="aaa"');
  });

  it('uses its own registry, so two instances do not collide', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.leadsReceived.inc({ entity: 'mortgage', outcome: 'routed' });
    b.routes.inc({ profile: 'p', partner: 'acme' });
    expect(await a.registry.metrics()).toContain('leads_received_total{entity="mortgage",outcome="routed"} 1');
    expect(await b.registry.metrics()).not.toContain('leads_received_total{');
  });
});
