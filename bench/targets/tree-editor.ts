// The reload bench's editor: rewrites profile files when the bench asks and times each edit until
// the router serves it, in a process of its own, so that neither writing a thousand files nor
// polling /v1/config every 10 ms delays the load generator's answers (which would count as the
// router's latency). Each file gets a new description, half in place and half by write + rename,
// as editors and git do.
//   parent -> editor: EditRequest     editor -> parent: EditResult once served (or timed out)
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface EditRequest {
  edit: number;
  dir: string;
  /** Paths relative to dir. */
  files: string[];
  /** The router's GET /v1/config. */
  configUrl: string;
  timeoutMs: number;
}

export interface EditResult {
  edit: number;
  /** Milliseconds from the last file written to /v1/config serving a new version; null: not within timeoutMs. */
  servedMs: number | null;
  /** Reload errors /v1/config showed meanwhile (the tree was invalid). */
  refused: string[];
}

interface ConfigStatus {
  version: string | null;
  lastReload: { successful: boolean; error: unknown };
}

const status = async (url: string) => (await (await fetch(url)).json()) as ConfigStatus;

async function edit(m: EditRequest): Promise<EditResult> {
  const before = (await status(m.configUrl)).version;
  await Promise.all(m.files.map(async (rel, k) => {
    const file = path.join(m.dir, rel);
    const text = (await readFile(file, 'utf8')).replace(/^description: .*$/m, `description: Generated profile, edit ${m.edit}`);
    if (k % 2) {
      await writeFile(`${file}.tmp~`, text);
      await rename(`${file}.tmp~`, file);
    } else {
      await writeFile(file, text);
    }
  }));
  const written = performance.now();
  const refused = new Set<string>();
  while (performance.now() - written < m.timeoutMs) {
    const s = await status(m.configUrl).catch(() => null);
    if (s && !s.lastReload.successful && s.lastReload.error) refused.add(JSON.stringify(s.lastReload.error));
    if (s?.version && s.version !== before) return { edit: m.edit, servedMs: performance.now() - written, refused: [...refused] };
    await new Promise((r) => setTimeout(r, 10));
  }
  return { edit: m.edit, servedMs: null, refused: [...refused] };
}

process.on('message', (m: EditRequest) => {
  void edit(m).then((result) => process.send?.(result));
});
process.send?.({ ready: true });
process.on('disconnect', () => process.exit(0));
