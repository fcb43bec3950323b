// Shared by the command-line entry points (validate, test:routing, explain, diff:routing): where
// the profiles are, argument parsing with usage errors, and the exit codes of the public interface.
import { stat } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** 0 clean, 1 problems found (or tests failed), 2 usage or I/O error. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** A mistake on the command line or an unusable input: print it and exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** DIR from the command line, else $PROFILES_DIR, else ./profiles. */
export function resolveProfilesDir(arg: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (arg !== undefined && arg !== '') return arg;
  const fromEnv = env.PROFILES_DIR?.trim();
  return fromEnv ? fromEnv : './profiles';
}

/** Throws a UsageError unless `dir` is an existing directory. */
export async function assertDirectory(dir: string, shown = dir): Promise<void> {
  const info = await stat(dir).catch((err: NodeJS.ErrnoException) => err);
  if (info instanceof Error) {
    throw new UsageError(info.code === 'ENOENT' ? `${shown}: no such directory` : `${shown}: cannot read (${info.code ?? info.message})`);
  }
  if (!info.isDirectory()) throw new UsageError(`${shown}: not a directory`);
}

/** node:util parseArgs (strict), with its errors turned into UsageErrors. */
export function parseCli<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: readonly string[],
  options: T,
  maxPositionals = 1,
) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument: ${parsed.positionals[maxPositionals]}`);
  }
  return parsed;
}
