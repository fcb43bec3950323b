// Config scale: load + validate + compile (loadConfig, then compileSnapshot) of 100, 1,000 and
// 5,000 generated profiles × 20 partners, each in a fresh child process so its RSS is that
// tree's alone: the growth curve shows.
import path from 'node:path';
import type { BenchContext } from '../context.ts';
import { firstMessage, spawnTs } from '../lib/child.ts';
import { generateTree } from '../lib/scale-tree.ts';
import { atMost, row } from '../report.ts';
import type { Row, SectionResult } from '../report.ts';

interface Measured {
  profiles: number;
  partners: number;
  assignments: number;
  loadMs: number;
  compileMs: number;
  totalMs: number;
  rssBeforeMB: number;
  rssMB: number;
  heapAfterGcMB: number;
}

type SizeResult = { size: number; files: number; bytes: number; generator: string } & ({ ok: true; m: Measured } | { ok: false; error: string });

export async function configSection(ctx: BenchContext): Promise<SectionResult> {
  const sizes = ctx.smoke ? [10, 20, 50] : [100, 1_000, 5_000];
  const timeoutMs = ctx.smoke ? 30_000 : 120_000;
  const out: SizeResult[] = [];
  for (const size of sizes) {
    const dir = path.join(ctx.tmpDir, `config-${size}`);
    ctx.log(`config: generating ${size.toLocaleString('en-US')} profiles × 20 partners`);
    const tree = await generateTree(dir, size);
    ctx.log(`config: loading ${size.toLocaleString('en-US')} profiles (${(tree.bytes / 2 ** 20).toFixed(1)} MB of YAML) in a fresh process`);
    const child = spawnTs('bench/lib/config-child.ts', [dir], { ipc: true, nodeArgs: ['--expose-gc'] });
    try {
      const m = await firstMessage<Measured | { error: string }>(child, timeoutMs);
      const base = { size, files: tree.files, bytes: tree.bytes, generator: tree.generator };
      out.push('error' in m ? { ...base, ok: false, error: m.error } : { ...base, ok: true, m });
    } catch (err) {
      out.push({ size, files: tree.files, bytes: tree.bytes, generator: tree.generator, ok: false, error: (err as Error).message.split('\n')[0] });
    } finally {
      await child.stop();
    }
  }
  return summarise(out, ctx);
}

function summarise(out: SizeResult[], ctx: BenchContext): SectionResult {
  const rows: Row[] = [];
  const mid = out[1];
  const first = out.find((r) => r.ok);
  const baseline = first?.ok ? first.m.rssBeforeMB : undefined;
  for (const r of out) {
    const n = r.size.toLocaleString('en-US');
    const isTarget = !ctx.smoke && r.size === 1_000;
    if (!r.ok) {
      rows.push(row(`${n} profiles: failed (${r.error})`, null, 's', undefined, isTarget ? atMost(null, 1, '≤ 1 s') : undefined));
      continue;
    }
    rows.push(row(`${n} profiles: load + validate + compile`, r.m.totalMs / 1000, 's',
      `${(r.m.totalMs / 1000).toFixed(2)} s`, isTarget ? atMost(r.m.totalMs / 1000, 1, '≤ 1 s') : undefined));
    rows.push(row(`${n} profiles: RSS loaded (heap after GC)`, r.m.rssMB, 'MB',
      `${r.m.rssMB.toFixed(0)} MB (${r.m.heapAfterGcMB.toFixed(0)})`, isTarget ? atMost(r.m.rssMB, 200, '≤ 200 MB') : undefined));
  }
  // Close to linear: from the middle size to the largest, time and memory grow no more than
  // 1.5× the growth in profiles.
  const a = out[1], b = out[2];
  if (a?.ok && b?.ok) {
    const k = b.size / a.size;
    const timeGrowth = b.m.totalMs / a.m.totalMs / k;
    const memGrowth = (b.m.heapAfterGcMB) / (a.m.heapAfterGcMB) / k;
    rows.push(row(`time growth ${a.size.toLocaleString('en-US')} → ${b.size.toLocaleString('en-US')}, ÷ linear`, timeGrowth, '×', undefined, atMost(timeGrowth, 1.5, '≤ 1.5×')));
    rows.push(row(`heap growth ${a.size.toLocaleString('en-US')} → ${b.size.toLocaleString('en-US')}, ÷ linear`, memGrowth, '×', undefined, atMost(memGrowth, 1.5, '≤ 1.5×')));
  }
  return {
    name: 'config',
    title: 'Config scale (loadConfig + compileSnapshot, a fresh process per size)',
    rows,
    details: {
      sizes: out.map((r) => (r.ok ? { size: r.size, files: r.files, yamlBytes: r.bytes, ...r.m } : { size: r.size, files: r.files, yamlBytes: r.bytes, error: r.error })),
      generator: out[0]?.generator,
    },
    notes: [
      `tree: ${out[0]?.generator}; ${mid ? `${mid.size.toLocaleString('en-US')} profiles = ${mid.files.toLocaleString('en-US')} files, ${(mid.bytes / 2 ** 20).toFixed(1)} MB of YAML` : ''}`,
      `RSS is the child's whole resident set once the snapshot is built (node + tsx before loading: ${baseline ? `${baseline.toFixed(0)} MB` : '?'}); "÷ linear" is the growth from the middle size to the largest divided by the growth in profiles (1.0 = linear; heap measured after a forced GC)`,
    ],
  };
}
