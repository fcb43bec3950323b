// One config-scale measurement in a fresh process (so RSS is this tree's alone): load +
// validate + compile the tree at argv[2], keep the snapshot alive, report time and memory.
import { loadConfig } from '../../router/config/load.ts';
import { compileSnapshot } from '../../router/routing/snapshot.ts';

const MB = 2 ** 20;
const dir = process.argv[2];
const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
const result = await loadConfig(dir);
const t1 = performance.now();
if (!result.ok) {
  const first = result.problems.slice(0, 3).map((p) => `${p.file}:${p.line}:${p.col} ${p.code} ${p.message}`).join('; ');
  process.send?.({ error: `the generated tree does not load: ${first}` });
} else {
  const snapshot = compileSnapshot(result.config, { env: {} });
  const t2 = performance.now();
  const rssLoaded = process.memoryUsage().rss;
  (globalThis as { gc?: () => void }).gc?.();
  const heapAfterGc = process.memoryUsage().heapUsed;
  process.send?.({
    profiles: result.config.profiles.length,
    partners: result.config.partners.size,
    assignments: result.config.profiles.reduce((n, p) => n + p.partners.length, 0),
    loadMs: t1 - t0,
    compileMs: t2 - t1,
    totalMs: t2 - t0,
    rssBeforeMB: rssBefore / MB,
    rssMB: rssLoaded / MB,
    heapAfterGcMB: heapAfterGc / MB,
    hash: snapshot.hash,
  });
}
process.disconnect?.();
