// HTTP throughput, intake and delivery together: autocannon at 50 connections for a fixed
// window against (a) bare Hono, (b) the naive durable pipeline (Hono + a Lua cap check +
// BullMQ + a worker), (c) the router embedded, (d) the router with Redis. Every lead goes to one
// sink process that counts deliveries; what counts is leads *delivered* per second during the
// window, and what is left when the load stops. The shared machine's speed drifts during a run,
// so bare Hono runs first and last (its mean is the baseline) and the router with Redis runs next
// to the naive pipeline it is compared with.
import path from 'node:path';
import type { BenchContext } from '../context.ts';
import { TREE_ENTITY, treeLeads, writeTree } from '../gen-tree.ts';
import type { TreeInfo } from '../gen-tree.ts';
import { measureTarget } from '../lib/measure.ts';
import type { TargetFigures } from '../lib/measure.ts';
import { benchRedisUrl, newPrefix, redisReachable } from '../lib/redis-keys.ts';
import { startBareHono, startNaivePipeline, startRouter, startSink } from '../lib/targets.ts';
import type { RunningTarget } from '../lib/targets.ts';
import { atLeast, atMost, formatValue, row } from '../report.ts';
import type { Row, SectionResult } from '../report.ts';

export type TargetKey = 'bare' | 'naive' | 'embedded' | 'redis' | 'bareAgain';
type StartKey = Exclude<TargetKey, 'bareAgain'>;
/** The order targets run in: bare Hono brackets the others. */
const RUN_ORDER: readonly TargetKey[] = ['bare', 'redis', 'naive', 'embedded', 'bareAgain'];

interface TargetResult {
  key: TargetKey;
  label: string;
  figures?: TargetFigures;
  skipped?: string;
}

const LABELS: Record<TargetKey, string> = {
  bare: '(a) bare Hono',
  bareAgain: '(a) bare Hono, again at the end',
  naive: '(b) naive durable pipeline',
  embedded: '(c) router, embedded',
  redis: '(d) router + Redis',
};

export const CONNECTIONS = 50;

/**
 * Extra node flags for the target processes: BENCH_CPU_PROF=dir writes CPU profiles of each
 * under dir/<target>/ (the main thread's is CPU.*.<pid>.0.*.cpuprofile; tsx's loader thread
 * writes its own beside it).
 */
export function targetNodeArgs(name: string): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir, name)}`] : [];
}

export async function httpSection(ctx: BenchContext): Promise<SectionResult> {
  const profiles = ctx.smoke ? 20 : 1_000;
  const redisUrl = benchRedisUrl();
  const hasRedis = await redisReachable(redisUrl);
  const sink = await startSink();
  const results: TargetResult[] = [];
  let tree: TreeInfo | undefined;
  try {
    tree = await writeTree(path.join(ctx.tmpDir, 'http-tree'), { profiles, webhookUrl: sink.url, caps: 'huge' });
    const bodies = treeLeads(profiles, 2_000).map((l) => JSON.stringify(l));
    const measure = (t: RunningTarget, key: TargetKey) =>
      measureTarget(t, sink, {
        path: `/v1/leads/${TREE_ENTITY}`,
        bodies,
        connections: CONNECTIONS,
        durationS: ctx.durationS,
        warmupS: ctx.smoke ? 0 : 2,
        drainTimeoutMs: ctx.smoke ? 10_000 : 30_000,
        redisUrl: key === 'naive' || key === 'redis' ? redisUrl : undefined,
      });
    const starters: Record<StartKey, () => Promise<RunningTarget> | string> = {
      bare: () => startBareHono({ nodeArgs: targetNodeArgs('bare-hono') }),
      naive: () => (hasRedis ? startNaivePipeline(redisUrl, newPrefix('naive'), sink.url, { nodeArgs: targetNodeArgs('naive') }) : `no Redis at ${redisUrl}`),
      embedded: () => startRouter({ name: 'router-embedded', profilesDir: tree!.dir, scratchDir: ctx.tmpDir, nodeArgs: targetNodeArgs('router-embedded') }),
      redis: () =>
        hasRedis
          ? startRouter({ name: 'router-redis', profilesDir: tree!.dir, scratchDir: ctx.tmpDir, redisUrl, redisPrefix: newPrefix('router'), nodeArgs: targetNodeArgs('router-redis') })
          : `no Redis at ${redisUrl}`,
    };
    for (const key of RUN_ORDER) {
      ctx.log(`http: ${LABELS[key]}: ${ctx.durationS} s at ${CONNECTIONS} connections`);
      results.push(await runTarget(key, starters[key === 'bareAgain' ? 'bare' : key], measure, ctx));
    }
  } finally {
    await sink.stop();
  }
  return summarise(results, tree, ctx);
}

async function runTarget(
  key: TargetKey,
  start: () => Promise<RunningTarget> | string,
  measure: (t: RunningTarget, key: TargetKey) => Promise<TargetFigures>,
  ctx: BenchContext,
): Promise<TargetResult> {
  const label = LABELS[key];
  let target: RunningTarget | string;
  try {
    target = await start();
  } catch (err) {
    ctx.log(`http: ${label} did not start: ${(err as Error).message}`);
    return { key, label, skipped: `did not start: ${(err as Error).message.split('\n')[0]}` };
  }
  if (typeof target === 'string') return { key, label, skipped: target };
  ctx.log(`http: ${label} answered ${(target.startMs / 1000).toFixed(1)} s after it was spawned`);
  try {
    return { key, label, figures: await measure(target, key) };
  } finally {
    await target.stop();
  }
}

function summarise(results: TargetResult[], tree: TreeInfo, ctx: BenchContext): SectionResult {
  const by = (k: TargetKey) => results.find((r) => r.key === k)?.figures;
  const naive = by('naive'), embedded = by('embedded'), redis = by('redis');
  // The baseline delivers nothing: its figure is what it takes in, the mean of its two runs.
  const bareRates = [by('bare'), by('bareAgain')].flatMap((f) => (f ? [f.load.acceptedPerSecond] : []));
  const bareRate = bareRates.length ? bareRates.reduce((a, b) => a + b, 0) / bareRates.length : null;
  const ratio = (a: number | undefined, b: number | null | undefined) => (a !== undefined && b ? a / b : null);
  const drainGoal = (f: TargetFigures | undefined) => atMost(f ? (f.drainMs ?? Infinity) / 1000 : null, 1, '≤ 1 s');

  const rows: Row[] = [];
  for (const r of results) {
    const f = r.figures;
    if (!f) {
      rows.push(row(`${r.label}: skipped (${r.skipped})`, null, ''));
      continue;
    }
    rows.push(row(`${r.label}: intake`, f.load.acceptedPerSecond, 'req/s'));
    rows.push(
      row(`${r.label}: latency p50 / p99`, f.load.p99Ms, 'ms', `${f.load.p50Ms} / ${f.load.p99Ms} ms`,
        r.key === 'redis' ? atMost(f.load.p99Ms, 25, 'p99 ≤ 25 ms') : undefined),
    );
    const c = f.cpuPerLeadUs;
    const us = (x: number | null) => (x === null ? '?' : Math.round(x).toLocaleString('en-US'));
    rows.push(row(`${r.label}: CPU µs per lead (target+sink+Redis+load)`, c.total, 'µs',
      `${us(c.total)} = ${us(c.target)} + ${us(c.sink)} + ${r.key === 'redis' || r.key === 'naive' ? us(c.redis) : '–'} + ${us(c.load)}`));
    rows.push(row(`${r.label}: errors`, f.load.errors, '', `${f.load.errors}${Object.keys(f.load.statuses).length ? ` ${JSON.stringify(f.load.statuses)}` : ''}`));
    if (r.key === 'bare' || r.key === 'bareAgain') continue;
    rows.push(row(`${r.label}: delivered during the window`, f.deliveredPerSecond, 'leads/s'));
    if (f.redis) {
      rows.push(row(`${r.label}: Redis commands per lead (scripts)`, f.redis.commandsPerLead, '',
        `${f.redis.commandsPerLead.toFixed(1)} (${f.redis.scriptsPerLead.toFixed(1)})`));
    }
    rows.push(
      row(`${r.label}: backlog at stop → drained in`, f.drainMs === null ? null : f.drainMs / 1000, 's',
        `${f.backlogAtStop.toLocaleString('en-US')} → ${f.drainMs === null ? `not in ${ctx.smoke ? 10 : 30} s (${f.undelivered} left)` : formatValue(f.drainMs / 1000, 's')}`,
        r.key === 'redis' || r.key === 'embedded' ? drainGoal(f) : undefined),
    );
  }
  rows.push(row('(a) baseline: mean intake of both bare Hono runs', bareRate, 'req/s'));
  const cA = ratio(embedded?.deliveredPerSecond, bareRate);
  const dA = ratio(redis?.deliveredPerSecond, bareRate);
  const dB = ratio(redis?.deliveredPerSecond, naive?.deliveredPerSecond);
  rows.push(row('(c) ÷ (a), delivered ÷ bare intake', cA, '%', undefined, atLeast(cA, 0.45, '≥ 45 %')));
  rows.push(row('(d) ÷ (a), delivered ÷ bare intake', dA, '%', undefined, atLeast(dA, 0.35, '≥ 35 %')));
  rows.push(row('(d) ÷ (b), delivered ÷ delivered', dB, '×', undefined, atLeast(dB, 1.5, '≥ 1.5×')));
  rows.push(row('(b) ÷ (a), for scale', ratio(naive?.deliveredPerSecond, bareRate), '%'));

  return {
    name: 'http',
    title: `HTTP, intake and delivery together (autocannon, ${CONNECTIONS} connections, ${ctx.durationS} s window)`,
    rows,
    details: {
      connections: CONNECTIONS,
      durationS: ctx.durationS,
      tree: { profiles: tree.profiles, partners: tree.partners, files: tree.files, generator: 'bench/gen-tree.ts writeTree' },
      leads: { count: 2_000, generator: 'bench/gen-tree.ts treeLeads(seed 5)' },
      targets: Object.fromEntries(results.map((r) => [r.key, r.figures ?? { skipped: r.skipped }])),
      bareBaseline: bareRate,
      ratios: { embeddedOverBare: cA, redisOverBare: dA, redisOverNaive: dB },
    },
    notes: [
      `tree: ${tree.profiles.toLocaleString('en-US')} profiles of entity ${TREE_ENTITY} (state × product, one file each) × 20 partner assignments (2–4 conditions each, a rule-less catch-all last, day caps of 10⁹), 20 partners whose webhooks post to the sink over http on loopback (bench/gen-tree.ts)`,
      `leads: 2,000 bodies sent in turn (treeLeads, seed 5), each matching exactly one profile: one 202 promises one delivery; the sink is a separate node:http process counting what it receives`,
      `Redis commands per lead: INFO commandstats from the start of the window to the end of the drain, ÷ leads accepted (server-wide: other clients of that Redis add to it)`,
      `runs in this order: ${RUN_ORDER.map((k) => LABELS[k].split(' ')[0]).join(' → ')}; the baseline is the mean of the two (a) runs, which bracket the others`,
      `(a) parses the JSON and answers 202 (delivers nothing: its intake is the baseline); (b) Hono + one Lua cap script + BullMQ queue.add + a BullMQ Worker (concurrency 50) posting with undici, in one process; (c)/(d) tsx router/main.ts, LOG_LEVEL=${process.env.BENCH_LOG_LEVEL ?? 'info'}`,
    ],
  };
}
