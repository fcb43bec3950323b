// Prometheus metrics on the router's own Registry (never the global one, so tests and several
// in-process routers don't collide). The delivery worker registers its metrics on the same
// registry (router/delivery/metrics.ts).

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface RouterMetrics {
  registry: Registry;
  /** outcome: routed | unmatched | invalid | duplicate | unavailable | test */
  leadsReceived: Counter<'entity' | 'outcome'>;
  routes: Counter<'profile' | 'partner'>;
  capRefusals: Counter<'partner'>;
  /** Partners skipped because their duplicate check matched (dedupe). */
  duplicateSkips: Counter<'partner'>;
  /** Delivered leads returned by partners; refilled: whether the cap slot was given back. */
  returns: Counter<'partner' | 'refilled'>;
  configLastReloadSuccessful: Gauge;
  configLastReloadSuccessTimestamp: Gauge;
  configReloads: Counter<'result'>;
  /** 1 for the hash of the config being served, 0 for none other (the old one is removed). */
  configHash: Gauge<'hash'>;
  httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  /** Record the outcome of a (re)load attempt. */
  recordReload(ok: boolean, hash?: string, at?: Date): void;
}

export function createMetrics(opts: { registry?: Registry; defaultMetrics?: boolean } = {}): RouterMetrics {
  const registry = opts.registry ?? new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const leadsReceived = new Counter({
    name: 'leads_received_total', help: 'Leads received, by entity and outcome',
    labelNames: ['entity', 'outcome'] as const, registers,
  });
  const routes = new Counter({
    name: 'routes_total', help: 'Routes taken, by profile and partner',
    labelNames: ['profile', 'partner'] as const, registers,
  });
  const capRefusals = new Counter({
    name: 'cap_refusals_total', help: 'Partners skipped because a cap was full',
    labelNames: ['partner'] as const, registers,
  });
  const duplicateSkips = new Counter({
    name: 'duplicate_skips_total', help: 'Partners skipped because they were sold the same consumer within their dedupe window',
    labelNames: ['partner'] as const, registers,
  });
  const returns = new Counter({
    name: 'lead_returns_total', help: 'Delivered leads returned by partners, by partner and whether the cap slot was given back',
    labelNames: ['partner', 'refilled'] as const, registers,
  });
  const configLastReloadSuccessful = new Gauge({
    name: 'config_last_reload_successful', help: 'Whether the last configuration reload attempt was successful', registers,
  });
  const configLastReloadSuccessTimestamp = new Gauge({
    name: 'config_last_reload_success_timestamp_seconds', help: 'Timestamp of the last successful configuration reload', registers,
  });
  const configReloads = new Counter({
    name: 'config_reloads_total', help: 'Configuration reload attempts, by result (success | failure)',
    labelNames: ['result'] as const, registers,
  });
  const configHash = new Gauge({
    name: 'config_hash', help: 'Hash of the configuration being served (value 1)',
    labelNames: ['hash'] as const, registers,
  });
  const httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds', help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  configReloads.inc({ result: 'success' }, 0);
  configReloads.inc({ result: 'failure' }, 0);

  return {
    registry, leadsReceived, routes, capRefusals, duplicateSkips, returns, configLastReloadSuccessful,
    configLastReloadSuccessTimestamp, configReloads, configHash, httpRequestDuration,
    recordReload(ok, hash, at = new Date()) {
      configReloads.inc({ result: ok ? 'success' : 'failure' });
      configLastReloadSuccessful.set(ok ? 1 : 0);
      if (ok) {
        configLastReloadSuccessTimestamp.set(at.getTime() / 1000);
        if (hash) {
          configHash.reset();
          configHash.set({ hash }, 1);
        }
      }
    },
  };
}
