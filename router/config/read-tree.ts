// Finding the profile files: every *.yaml / *.yml under a directory, recursively, in a stable
// order. Dot-files and dot-directories (.git, editor swap files, Kubernetes' ..data) and
// node_modules are skipped; symlinks are followed (ConfigMap mounts are symlinks), loops are not.
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

const YAML_FILE = /\.ya?ml$/i;

const isYamlFile = (name: string) => YAML_FILE.test(name) && !name.startsWith('.');
const isSkippedDir = (name: string) => name.startsWith('.') || name === 'node_modules';

/** Absolute paths of the YAML files under `dir`, sorted by their path relative to `dir`. */
export async function listYamlFiles(dir: string): Promise<string[]> {
  return (await readYamlTree(dir)).files;
}

export interface YamlTree {
  /** Absolute paths of the YAML files, sorted by their path relative to the directory. */
  files: string[];
  /** The files that are symlinks: what they point at can change with no event naming them. */
  links: Set<string>;
  /** The real paths of the directories walked, in order: changes when a symlinked directory is swapped. */
  realDirs: string;
  /** How many of the directories walked are symlinks. */
  linkedDirs: number;
}

/** `root`: the real path of `dir`, when the caller has it already. */
export async function readYamlTree(dir: string, root?: string): Promise<YamlTree> {
  const found: string[] = [];
  const links = new Set<string>();
  const visited = new Set<string>();
  let linkedDirs = 0;
  // `real` is the directory's real path: a plain subdirectory's is its parent's plus its name, so
  // only the root and symlinked directories cost a realpath (loops go through symlinks).
  const walk = async (current: string, real: string): Promise<void> => {
    if (visited.has(real)) return;
    visited.add(real);
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries) {
      const full = join(current, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      const isLink = entry.isSymbolicLink();
      if (isLink) {
        const target = await stat(full).catch(() => undefined);
        // A dangling link to a .yaml file is kept so that reading it reports READ_ERROR.
        isDir = target?.isDirectory() ?? false;
        isFile = target === undefined ? true : target.isFile();
        if (isFile) links.add(full);
      }
      if (isDir && !isSkippedDir(entry.name)) {
        if (isLink) linkedDirs++;
        await walk(full, isLink ? await realpath(full) : join(real, entry.name));
      }
      else if (isFile && isYamlFile(entry.name)) found.push(full);
    }
  };
  await walk(dir, root ?? (await realpath(dir)));
  // Each relative path computed once, not twice per comparison (a 1,000-file tree is sorted on
  // every reload).
  const keyed = found.map((abs) => ({ abs, rel: toPosix(relative(dir, abs)) }));
  keyed.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { files: keyed.map((k) => k.abs), links, realDirs: [...visited].join('\0'), linkedDirs };
}

export function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}
