// `npm run validate [-- DIR]`: the arguments and the run, separate from the process so tests and
// other tools can call it. The entry point (scripts/validate.ts) only wires it to the process.
import { normalize, resolve as resolvePath } from 'node:path';
import { describeCodes } from '../../router/config/codes.ts';
import { loadConfig } from '../../router/config/load.ts';
import { sortProblems } from '../../router/config/problems.ts';
import { describeLintCodes } from '../../router/lint/codes.ts';
import { lintLoadedConfig } from '../../router/lint/run.ts';
import { listYamlFiles, toPosix } from '../../router/config/read-tree.ts';
import { assertDirectory, EXIT, parseCli, resolveProfilesDir, UsageError } from './cli.ts';
import { formatReport, PROBLEM_FORMATS, type ProblemFormat } from './format-problems.ts';
import { wantsGithubFormat } from './github.ts';

const VALIDATE_USAGE = `usage: npm run validate [-- [--format text|github|json] [DIR]]
       npm run validate -- --codes
Validates every *.yaml / *.yml under DIR (default: $PROFILES_DIR, else ./profiles).
Exit: 0 clean (warnings allowed), 1 on any error, 2 on a usage or I/O error.`;

export interface ValidateArgs {
  dir: string;
  format: ProblemFormat;
  codes: boolean;
  help: boolean;
}

export function parseValidateArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ValidateArgs {
  const { values, positionals } = parseCli(argv, {
    format: { type: 'string' },
    codes: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const explicit = values.format;
  if (explicit !== undefined && !(PROBLEM_FORMATS as readonly string[]).includes(explicit)) {
    throw new UsageError(`unknown format '${explicit}': use ${PROBLEM_FORMATS.join(', ')}`);
  }
  const format: ProblemFormat = explicit !== undefined ? (explicit as ProblemFormat) : wantsGithubFormat(undefined, env) ? 'github' : 'text';
  return { dir: resolveProfilesDir(positionals[0], env), format, codes: values.codes === true, help: values.help === true };
}

export interface CliOutput {
  code: number;
  stdout: string[];
  stderr: string[];
}

/** Runs validate; never throws for usage or I/O errors (they become exit 2). */
export async function runValidate(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<CliOutput> {
  let args: ValidateArgs;
  try {
    args = parseValidateArgs(argv, env);
    if (args.help) return { code: EXIT.OK, stdout: [VALIDATE_USAGE], stderr: [] };
    if (args.codes) {
      const codes = [...describeCodes(), ...describeLintCodes()];
      return { code: EXIT.OK, stdout: codes.map((c) => `${c.code}  ${c.severity}  ${c.meaning}`), stderr: [] };
    }
    await assertDirectory(resolvePath(cwd, args.dir), args.dir);
  } catch (err) {
    if (err instanceof UsageError) return { code: EXIT.USAGE, stdout: [], stderr: [`validate: ${err.message}`, VALIDATE_USAGE] };
    throw err;
  }
  const result = await loadConfig(args.dir, { cwd });
  // The directory itself could not be read (line 0): an I/O error, not a finding.
  const ioError = result.problems.find((p) => p.code === 'READ_ERROR' && p.line === 0);
  if (ioError) return { code: EXIT.USAGE, stdout: [], stderr: [`validate: ${ioError.file}: ${ioError.message}`] };
  const files = (await listYamlFiles(resolvePath(cwd, args.dir))).length;
  // Lints (warnings and info, router/lint) run on a tree that loads; they never change the exit code.
  const problems = result.ok ? sortProblems([...result.problems, ...(await lintLoadedConfig(result.config, { cwd }))]) : result.problems;
  const stdout = formatReport({ ok: result.ok, files, problems }, args.format, displayDir(args.dir));
  return { code: result.ok ? EXIT.OK : EXIT.FAILED, stdout, stderr: [] };
}



/** `./profiles/` -> `profiles` for the summary line. */
function displayDir(dir: string): string {
  return toPosix(normalize(dir)).replace(/(.)\/+$/, '$1');
}
