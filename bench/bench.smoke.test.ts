// The bench on tiny inputs, so it cannot rot: every section runs and produces figures, and
// results.json has the expected shape. No timing is asserted (figures from a smoke run mean
// nothing); only that each measurement happened and that no promised delivery went missing.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchRedisUrl, redisReachable } from './lib/redis-keys.ts';
import { formatTable, SECTIONS } from './report.ts';
import type { BenchResults, SectionResult } from './report.ts';
import { parseArgs, runBench, UsageError } from './run.ts';

describe('bench options', () => {
  it('defaults to every section, a 10 s window, bench/results.json', () => {
    const o = parseArgs([]);
    expect(o.only).toEqual([...SECTIONS]);
    expect(o.durationS).toBe(10);
    expect(o.smoke).toBe(false);
    expect(o.out).toMatch(/bench[/\\]results\.json$/);
  });

  it('takes --only (in the bench order), --duration, --smoke, --out', () => {
    const o = parseArgs(['--only', 'http,rules', '--duration=3', '--smoke', '--out', 'x.json']);
    expect(o.only).toEqual(['rules', 'http']);
    expect(o.durationS).toBe(3);
    expect(o.smoke).toBe(true);
    expect(o.out).toBe(path.resolve('x.json'));
    expect(parseArgs(['--smoke']).durationS).toBe(1);
  });

  it('refuses unknown sections, bad durations and unknown options', () => {
    expect(() => parseArgs(['--only', 'rules,nope'])).toThrow(UsageError);
    expect(() => parseArgs(['--duration', '0'])).toThrow(UsageError);
    expect(() => parseArgs(['--duration'])).toThrow(UsageError);
    expect(() => parseArgs(['--fast'])).toThrow(UsageError);
  });
});

describe('npm run bench -- --smoke', () => {
  let dir: string;
  let results: BenchResults;
  let written: BenchResults;
  let hasRedis: boolean;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'leadroute-bench-smoke-'));
    hasRedis = await redisReachable(benchRedisUrl());
    const out = path.join(dir, 'results.json');
    results = await runBench({ only: [...SECTIONS], durationS: 1, smoke: true, out }, () => {});
    written = JSON.parse(await readFile(out, 'utf8')) as BenchResults;
  }, 240_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const section = (name: (typeof SECTIONS)[number]): SectionResult => {
    const s = written.sections[name];
    if (!s) throw new Error(`section ${name} missing from results.json`);
    return s;
  };
  const figure = (s: SectionResult, label: RegExp) => {
    const r = s.rows.find((x) => label.test(x.label));
    if (!r) throw new Error(`no row ${label} in ${s.name}: ${s.rows.map((x) => x.label).join(' | ')}`);
    return r.value;
  };

  it('writes results.json with the run, the machine, every section, and the targets', () => {
    expect(written).toEqual(JSON.parse(JSON.stringify(results)));
    expect(written.schema).toBe(1);
    expect(written.options).toEqual({ only: [...SECTIONS], durationS: 1, smoke: true });
    expect(written.machine.cpus).toBeGreaterThan(0);
    expect(Object.keys(written.sections).sort()).toEqual([...SECTIONS].sort());
    for (const s of Object.values(written.sections)) {
      expect(s.rows.length).toBeGreaterThan(0);
      for (const r of s.rows) {
        expect(typeof r.label).toBe('string');
        expect(typeof r.display).toBe('string');
        expect(r.value === null || Number.isFinite(r.value)).toBe(true);
      }
    }
    expect(written.targets.length).toBeGreaterThanOrEqual(10);
    for (const t of written.targets) {
      expect(SECTIONS).toContain(t.section);
      expect(t.goal).toMatch(/[≤≥=]/);
      expect(typeof t.met).toBe('boolean');
    }
    expect(written.summary.met + written.summary.missed).toBe(written.targets.length);
  });

  it('rules: all three engines were timed, and the ratios computed', () => {
    const s = section('rules');
    for (const label of [/generated code/, /closures only/, /^json-logic-js$/, /^json-rules-engine$/]) expect(figure(s, label)).toBeGreaterThan(0);
    expect(figure(s, /÷ json-rules-engine/)).toBeGreaterThan(0);
    expect(figure(s, /÷ json-logic-js/)).toBeGreaterThan(0);
  });

  it('config: every size loaded in its own process, with time and RSS', () => {
    const sizes = section('config').details.sizes as { size: number; totalMs?: number; rssMB?: number; error?: string }[];
    expect(sizes).toHaveLength(3);
    for (const s of sizes) {
      expect(s.error).toBeUndefined();
      expect(s.totalMs).toBeGreaterThan(0);
      expect(s.rssMB).toBeGreaterThan(0);
    }
  });

  it('routing: decisions per second at three sizes, every lead routed', () => {
    const sizes = section('routing').details.sizes as { decisionsPerSecond: number; routedShare: number; candidatesPerLead: number }[];
    expect(sizes).toHaveLength(3);
    for (const s of sizes) {
      expect(s.decisionsPerSecond).toBeGreaterThan(0);
      expect(s.routedShare).toBe(1);
      expect(s.candidatesPerLead).toBeGreaterThanOrEqual(1);
    }
  });

  it('http: each target took load, and every delivery a 202 promised reached the sink', () => {
    const targets = section('http').details.targets as Record<string, { skipped?: string; load?: { accepted: number; routes: number }; undelivered?: number; duplicates?: number }>;
    const expected = hasRedis ? ['bare', 'naive', 'embedded', 'redis'] : ['bare', 'embedded'];
    for (const key of expected) {
      const t = targets[key];
      expect(t.skipped, key).toBeUndefined();
      expect(t.load!.accepted, key).toBeGreaterThan(0);
      if (key !== 'bare') {
        expect(t.load!.routes, key).toBeGreaterThan(0);
        expect(t.undelivered, key).toBe(0);
      }
    }
    expect(targets.bare.load!.routes).toBe(0);
  });

  it('reload: load ran while one file, then every file, was rewritten; failures counted', () => {
    type Case = { edits: number; served: number[]; load: { accepted: number; errors: number } };
    const d = section('reload').details as { one: Case; all: Case };
    for (const c of [d.one, d.all]) {
      expect(c.edits).toBeGreaterThan(0);
      expect(c.served).toHaveLength(c.edits);
      expect(c.load.accepted).toBeGreaterThan(0);
      expect(Number.isInteger(c.load.errors)).toBe(true);
    }
  });

  it('prints the table: each target beside its figure, met or missed', () => {
    const table = formatTable(written);
    for (const t of written.targets) expect(table).toContain(t.label);
    expect(table).toMatch(/targets: \d+ met, \d+ missed/);
    expect(table.match(/\b(met|MISSED)$/gm)?.length).toBe(written.targets.length);
  });
});
