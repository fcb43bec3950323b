// Load for the HTTP sections: autocannon (programmatic) posting prepared lead bodies in turn,
// counting the deliveries each 202 promises (its `routes`), so the bench knows how many leads
// the sink must eventually receive.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  totalCompletedRequests: number;
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
}
type Autocannon = (opts: Record<string, unknown>, cb: (err: Error | null, result: AutocannonResult) => void) => { stop(): void };
const autocannon = require('autocannon') as Autocannon;

export interface LoadOptions {
  url: string;
  /** JSON bodies, sent in turn. */
  bodies: readonly string[];
  connections: number;
  durationS: number;
  headers?: Record<string, string>;
}

export interface LoadFigures {
  durationS: number;
  requests: number;
  accepted: number;
  /** Requests per second answered 2xx. */
  acceptedPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Connection errors + timeouts + non-2xx answers. */
  errors: number;
  /** Status codes other than 2xx, e.g. { "503": 12 }. */
  statuses: Record<string, number>;
  /** Deliveries the 2xx answers promised (sum of their `routes`). */
  routes: number;
  startedAt: number;
  endedAt: number;
}

export function runLoad(opts: LoadOptions): Promise<LoadFigures> {
  let next = 0;
  let routes = 0;
  const statuses: Record<string, number> = {};
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    autocannon(
      {
        url: opts.url,
        method: 'POST',
        connections: opts.connections,
        duration: opts.durationS,
        headers: { 'content-type': 'application/json', ...opts.headers },
        requests: [
          {
            method: 'POST',
            setupRequest(req: Record<string, unknown>) {
              req.body = opts.bodies[next++ % opts.bodies.length];
              return req;
            },
            onResponse(status: number, body: string) {
              if (status >= 200 && status < 300) {
                try {
                  const r = (JSON.parse(body) as { routes?: unknown[] }).routes;
                  if (Array.isArray(r)) routes += r.length;
                } catch {
                  // counted as accepted with no routes
                }
              } else {
                statuses[status] = (statuses[status] ?? 0) + 1;
              }
            },
          },
        ],
      },
      (err, r) => {
        const endedAt = performance.now();
        if (err) return reject(err);
        resolve({
          durationS: r.duration,
          requests: r.totalCompletedRequests,
          accepted: r['2xx'],
          acceptedPerSecond: r['2xx'] / r.duration,
          p50Ms: r.latency.p50,
          p90Ms: r.latency.p90,
          p99Ms: r.latency.p99,
          maxMs: r.latency.max,
          errors: r.errors + r.timeouts + r.non2xx,
          statuses,
          routes,
          startedAt,
          endedAt,
        });
      },
    );
  });
}
