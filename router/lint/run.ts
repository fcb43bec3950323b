// The lint pass `npm run validate` runs after a tree loads: samples beside the profiles plus the
// routing test leads, through lintConfig. The only I/O is reading `samples/*.jsonl`.
import { sortProblems } from '../config/problems.ts';
import type { Config, Problem } from '../config/types.ts';
import { compileSnapshot } from '../routing/snapshot.ts';
import { lintConfig } from './lint.ts';
import { loadSamples, routingTestLeads } from './samples.ts';

/** Lint problems (warnings and info) of a loaded tree; `cwd` makes sample paths relative like the loader's. */
export async function lintLoadedConfig(config: Config, opts: { cwd?: string } = {}): Promise<Problem[]> {
  // Lints look at rules and assignments only: no secret needs resolving.
  const snapshot = compileSnapshot(config, { env: {} });
  const samples = await loadSamples(config.dir, opts);
  const leads = [...samples.samples, ...routingTestLeads(config)];
  return sortProblems([...samples.problems, ...lintConfig(config, snapshot, leads)]);
}
