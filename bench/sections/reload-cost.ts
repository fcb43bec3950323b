// The CPU of one reload, in this process: the loader and the snapshot compile the router runs on
// each edit, given what the watcher saw (one file changed), on the reload section's tree.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createConfigLoader } from '../../router/config/load.ts';
import { compileSnapshot, compileSnapshotInSlices } from '../../router/routing/snapshot.ts';

export interface ReloadCost {
  /** Milliseconds of CPU per one-profile reload: loading, then compiling. */
  loadMs: number;
  compileMs: number;
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

/** Edits `edits` profile files of `dir` one at a time (after a few to warm up) and times each reload. */
export async function reloadCost(dir: string, profileFiles: readonly string[], edits: number): Promise<ReloadCost> {
  const loader = createConfigLoader();
  const first = await loader.load(dir);
  if (!first.ok) throw new Error(`reload cost: the tree is invalid: ${first.problems[0]?.message}`);
  let snapshot = compileSnapshot(first.config, {});
  const warmUp = Math.min(10, edits);
  let loadMs = 0;
  let compileMs = 0;
  for (let i = 0; i < warmUp + edits; i++) {
    const file = path.join(dir, profileFiles[(i * 37) % profileFiles.length]);
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^description: .*$/m, `description: Generated profile, cost ${i}`));
    const c0 = process.cpuUsage();
    const loaded = await loader.load(dir, { changed: new Set([file]), listChanged: false });
    const load = cpuMs(c0);
    if (!loaded.ok) throw new Error(`reload cost: the tree is invalid: ${loaded.problems[0]?.message}`);
    const c1 = process.cpuUsage();
    snapshot = await compileSnapshotInSlices(loaded.config, { previous: snapshot });
    if (i >= warmUp) {
      loadMs += load;
      compileMs += cpuMs(c1);
    }
  }
  return { loadMs: loadMs / edits, compileMs: compileMs / edits };
}
