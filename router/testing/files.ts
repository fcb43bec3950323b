// Test support: write a tree of files (paths relative to `dir`, folders made as needed; a null
// entry is skipped, so a test can drop one file of a base tree).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export async function writeFiles(dir: string, files: Readonly<Record<string, string | null>>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    if (text === null) continue;
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
}
