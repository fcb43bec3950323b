// The tree for the config-scale section: N profiles × 20 partner assignments.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { generateProfileTree } from '../config-scale.ts';

export interface ScaleTree {
  files: number;
  bytes: number;
  /** What generated it, for the report. */
  generator: string;
}

export async function generateTree(dir: string, profiles: number): Promise<ScaleTree> {
  await generateProfileTree(dir, { profiles });
  const { files, bytes } = await sizeOf(dir);
  return { files, bytes, generator: 'bench/config-scale.ts generateProfileTree (state × product, 20 assignments with 2–4 conditions and a day cap each, one file per profile)' };
}

async function sizeOf(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0, bytes = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    files++;
    bytes += (await stat(path.join(e.parentPath, e.name))).size;
  }
  return { files, bytes };
}
