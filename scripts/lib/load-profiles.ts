// Loading DIR for the authoring commands (test:routing, explain, diff:routing) with the router's
// own loader; a tree that does not load is reported the way `npm run validate` reports it.
import { loadConfig } from '../../router/config/load.ts';
import type { Config } from '../../router/config/types.ts';
import { formatGithub, formatText } from './format-problems.ts';

/** Where a command writes: injectable so tests run commands in-process. */
export interface Out {
  out(line: string): void;
  err(line: string): void;
}

export const stdio: Out = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * The loaded config, or null after printing why not (problems to stderr; GitHub annotations of
 * the errors to stdout when `github`): the caller exits 2.
 */
export async function loadOrReport(
  dir: string,
  io: Out,
  opts: { github?: boolean; cwd?: string; label?: string } = {},
): Promise<Config | null> {
  const result = await loadConfig(dir, { cwd: opts.cwd });
  if (result.ok) return result.config;
  const errors = result.problems.filter((p) => p.severity === 'error');
  io.err(`${opts.label ?? dir}: the profiles do not load (${errors.length} error${errors.length === 1 ? '' : 's'}; npm run validate shows them too):`);
  for (const p of result.problems) io.err(formatText(p));
  if (opts.github) for (const p of errors) io.out(formatGithub(p));
  return null;
}
