// The CPU of one reload, in this process: the router's loader (its thread) and the snapshot
// compile, given what the watcher saw (one file changed), on the reload section's tree. The
// request thread's share is what a reload takes from requests; the rest runs in the loader thread.
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createThreadedConfigLoader } from '../../router/config/load-thread.ts';
import { compileSnapshot, compileSnapshotInSlices } from '../../router/routing/snapshot.ts';

export interface ReloadCost {
  /** Milliseconds of CPU per one-profile reload on the calling (request) thread: taking in the changed values, then compiling. */
  takeInMs: number;
  compileMs: number;
  /** The rest of the process's CPU during the load: the loader thread (and GC helper threads). */
  loaderThreadMs: number;
}

/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on Linux). */
const TICKS_PER_S = 100;

/** CPU milliseconds of the calling thread (Linux, 10 ms ticks: averaged over many edits), or null elsewhere. */
function threadCpuMs(): number | null {
  try {
    const fields = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S; // utime, stime
  } catch {
    return null;
  }
}

const processCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Edits `edits` profile files of `dir` one at a time (after a few to warm up) and times each reload. */
export async function reloadCost(dir: string, profileFiles: readonly string[], edits: number): Promise<ReloadCost | null> {
  if (threadCpuMs() === null) return null;
  const loader = createThreadedConfigLoader();
  try {
    const first = await loader.load(dir);
    if (!first.ok) throw new Error(`reload cost: the tree is invalid: ${first.problems[0]?.message}`);
    let snapshot = compileSnapshot(first.config, {});
    const warmUp = Math.min(10, edits);
    const sum = { takeInMs: 0, compileMs: 0, loaderThreadMs: 0 };
    for (let i = 0; i < warmUp + edits; i++) {
      const file = path.join(dir, profileFiles[(i * 37) % profileFiles.length]);
      await writeFile(file, (await readFile(file, 'utf8')).replace(/^description: .*$/m, `description: Generated profile, cost ${i}`));
      const [t0, p0] = [threadCpuMs()!, processCpuMs()];
      const loaded = await loader.load(dir, { changed: new Set([file]), listChanged: false });
      const [t1, p1] = [threadCpuMs()!, processCpuMs()];
      if (!loaded.ok) throw new Error(`reload cost: the tree is invalid: ${loaded.problems[0]?.message}`);
      snapshot = await compileSnapshotInSlices(loaded.config, { previous: snapshot });
      if (i >= warmUp) {
        sum.takeInMs += t1 - t0;
        sum.loaderThreadMs += p1 - p0 - (t1 - t0);
        sum.compileMs += threadCpuMs()! - t1;
      }
    }
    return { takeInMs: sum.takeInMs / edits, compileMs: sum.compileMs / edits, loaderThreadMs: sum.loaderThreadMs / edits };
  } finally {
    await loader.close();
  }
}
