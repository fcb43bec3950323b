// A directory as it is at a git revision, written to a temporary directory: the working tree,
// the index and HEAD are never touched (only `git rev-parse`, `ls-tree` and `cat-file` run).
import { execFile } from 'node:child_process';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class GitError extends Error {
  override name = 'GitError';
}

async function git(cwd: string, args: string[]): Promise<Buffer> {
  try {
    const { stdout } = await run('git', args, { cwd, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    const detail = e.stderr?.toString().trim() || e.message;
    throw new GitError(`git ${args.join(' ')}: ${detail}`);
  }
}

export interface RepoDir {
  /** Top of the working tree holding the directory. */
  toplevel: string;
  /** The directory relative to `toplevel`, `/`-separated ('' for the top itself). */
  rel: string;
}

/** The repository holding `dir` and where `dir` sits in it. */
export async function locateInRepo(dir: string): Promise<RepoDir> {
  const abs = await realpath(dir).catch(() => {
    throw new GitError(`${dir}: no such directory`);
  });
  const toplevel = (await git(abs, ['rev-parse', '--show-toplevel'])).toString().trim();
  const top = await realpath(toplevel);
  return { toplevel: top, rel: path.relative(top, abs).split(path.sep).join('/') };
}

/** The commit a revision names (`main`, `HEAD~1`, a sha); a GitError when it names none. */
export async function resolveCommit(toplevel: string, ref: string): Promise<string> {
  if (ref.startsWith('-')) throw new GitError(`'${ref}' is not a revision`);
  try {
    return (await git(toplevel, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])).toString().trim();
  } catch {
    throw new GitError(`'${ref}' is not a commit of ${toplevel}`);
  }
}

/**
 * Writes the files of `rel` at `commit` under `dest/rel` (regular files only: symlinks and
 * submodules are skipped). Returns the number of files; a GitError when `rel` is not in the commit.
 */
export async function materialise(toplevel: string, commit: string, rel: string, dest: string): Promise<number> {
  const args = ['ls-tree', '-r', '-z', '--full-tree', commit];
  if (rel) args.push('--', rel);
  const entries = (await git(toplevel, args))
    .toString()
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      const [mode, type, object] = line.slice(0, tab).split(' ');
      return { mode, type, object, file: line.slice(tab + 1) };
    })
    .filter((e) => e.type === 'blob' && (e.mode === '100644' || e.mode === '100755'));
  if (!entries.length) throw new GitError(`${rel || '.'} holds no files at ${commit.slice(0, 12)}`);
  for (const e of entries) {
    const target = path.join(dest, ...e.file.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, await git(toplevel, ['cat-file', 'blob', e.object]));
  }
  return entries.length;
}
