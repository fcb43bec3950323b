// One HTTP target under load, intake and delivery together: how fast leads are taken (2xx/s,
// latency, errors), how fast they reach the partner (the sink's count during the window), and
// what is left when the load stops (backlog, time to drain).
import { cpuPerLead, readCpu } from './cpu.ts';
import { runLoad } from './load.ts';
import { callsBetween, commandCalls } from './redis-keys.ts';
import type { LoadFigures } from './load.ts';
import type { RunningTarget, Sink } from './targets.ts';

export interface TargetFigures {
  /** From spawning the target to its first answer. */
  startMs: number;
  load: LoadFigures;
  /** Deliveries received by the sink while the load ran. */
  deliveredInWindow: number;
  deliveredPerSecond: number;
  /** Deliveries promised by 202s but not received when the load stopped. */
  backlogAtStop: number;
  /** From the load stopping to the last promised delivery; null when it did not drain in time. */
  drainMs: number | null;
  /** Promised deliveries still missing after the drain timeout. */
  undelivered: number;
  /** Deliveries received more than once (same webhook-id). */
  duplicates: number;
  /**
   * Redis commands per accepted lead, from the measured window to the end of the drain
   * (INFO commandstats, server-wide: anything else using that Redis adds to it).
   */
  redis?: { commandsPerLead: number; scriptsPerLead: number; byCommand: Record<string, number> };
  /**
   * CPU µs per accepted lead, from the measured window to the end of the drain, for each process
   * sharing the machine: the target (all its threads), the sink, Redis (server-wide) and the load
   * generator (the bench process); null where it could not be read.
   */
  cpuPerLeadUs: { target: number | null; sink: number | null; redis: number | null; load: number | null; total: number | null };
}

export interface MeasureOptions {
  path: string;
  bodies: readonly string[];
  connections: number;
  durationS: number;
  warmupS: number;
  drainTimeoutMs: number;
  /** Count the Redis commands the target runs per lead. */
  redisUrl?: string;
}

export async function measureTarget(target: RunningTarget, sink: Sink, opts: MeasureOptions): Promise<TargetFigures> {
  const load = (durationS: number) => runLoad({ url: `${target.url}${opts.path}`, bodies: opts.bodies, connections: opts.connections, durationS });
  if (opts.warmupS > 0) {
    const before = await sink.count();
    const warm = await load(opts.warmupS);
    await waitForDeliveries(sink, before.count + warm.routes, opts.drainTimeoutMs);
  }
  const statsBefore = opts.redisUrl ? await commandCalls(opts.redisUrl) : undefined;
  const cpuBefore = await readCpu(target.child.proc.pid, sink.pid, opts.redisUrl);
  const start = await sink.count();
  const fig = await load(opts.durationS);
  const atStop = await sink.count();
  const stoppedAt = performance.now();
  const expected = start.count + fig.routes;
  const drained = await waitForDeliveries(sink, expected, opts.drainTimeoutMs);
  const end = await sink.count();
  const cpu = cpuPerLead(cpuBefore, await readCpu(target.child.proc.pid, sink.pid, opts.redisUrl), fig.accepted);
  const parts = [cpu.target, cpu.sink, cpu.load, ...(opts.redisUrl ? [cpu.redis] : [])];
  const cpuPerLeadUs = { ...cpu, total: parts.every((x) => x !== null) ? parts.reduce((a, b) => a + b, 0) : null };
  let redis: TargetFigures['redis'];
  if (opts.redisUrl && statsBefore) {
    const calls = callsBetween(statsBefore, await commandCalls(opts.redisUrl));
    const leads = Math.max(1, fig.accepted);
    redis = { commandsPerLead: calls.total / leads, scriptsPerLead: calls.scripts / leads, byCommand: calls.byCommand };
  }
  const deliveredInWindow = atStop.count - start.count;
  return {
    startMs: target.startMs,
    load: fig,
    deliveredInWindow,
    deliveredPerSecond: deliveredInWindow / fig.durationS,
    backlogAtStop: Math.max(0, fig.routes - deliveredInWindow),
    drainMs: drained === null ? null : Math.max(0, drained - stoppedAt),
    undelivered: Math.max(0, expected - end.count),
    duplicates: end.count - start.count - (end.distinct - start.distinct) - (end.withoutId - start.withoutId),
    ...(redis ? { redis } : {}),
    cpuPerLeadUs,
  };
}

/** Poll the sink until it has `expected` deliveries; the time it got there, or null. */
async function waitForDeliveries(sink: Sink, expected: number, timeoutMs: number): Promise<number | null> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { count } = await sink.count();
    if (count >= expected) return performance.now();
    if (performance.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 10));
  }
}
