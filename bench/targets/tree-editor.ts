// The reload bench's editor: rewrites profile files when the bench asks, in a process of its own,
// so that writing a thousand files never delays the load generator's answers (which would count
// as the router's latency). Each file gets a new description, half in place and half by write +
// rename, as editors and git do.
//   parent -> editor: { edit, dir, files }     editor -> parent: { edit } once every file is written
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface EditRequest {
  edit: number;
  dir: string;
  /** Paths relative to dir. */
  files: string[];
}

process.on('message', (m: EditRequest) => {
  void Promise.all(m.files.map(async (rel, k) => {
    const file = path.join(m.dir, rel);
    const text = (await readFile(file, 'utf8')).replace(/^description: .*$/m, `description: Generated profile, edit ${m.edit}`);
    if (k % 2) {
      await writeFile(`${file}.tmp~`, text);
      await rename(`${file}.tmp~`, file);
    } else {
      await writeFile(file, text);
    }
  })).then(() => process.send?.({ edit: m.edit }));
});
process.send?.({ ready: true });
process.on('disconnect', () => process.exit(0));
