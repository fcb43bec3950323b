// npm run test:routing [-- DIR] [--format text|github]
// Runs every `kind: RoutingTest` case under DIR through the router's loader and routing core.
// Exit 0 all pass, 1 any failure, 2 usage error, a tree that does not load, or no RoutingTest.
import { pathToFileURL } from 'node:url';
import { compileSnapshot } from '../router/routing/snapshot.ts';
import { EXIT, parseCli, resolveProfilesDir, UsageError } from './lib/cli.ts';
import { loadOrReport, stdio, type Out } from './lib/load-profiles.ts';
import { wantsGithubFormat } from './lib/github.ts';
import { formatResults } from './lib/routing-report.ts';
import { runRoutingTests } from './lib/routing-tests.ts';

const USAGE = 'usage: npm run test:routing [-- DIR] [--format text|github]';

export async function main(argv: string[], io: Out = stdio, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let dir: string;
  let github: boolean;
  try {
    const { values, positionals } = parseCli(argv, { format: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
    if (values.help) {
      io.out(USAGE);
      return EXIT.OK;
    }
    if (values.format !== undefined && values.format !== 'text' && values.format !== 'github') {
      throw new UsageError(`--format must be text or github, not '${values.format}'`);
    }
    dir = resolveProfilesDir(positionals[0], env);
    github = wantsGithubFormat(values.format, env);
  } catch (err) {
    io.err((err as Error).message);
    io.err(USAGE);
    return EXIT.USAGE;
  }

  const config = await loadOrReport(dir, io, { github });
  if (!config) return EXIT.USAGE;
  // A run that tests nothing must not pass (a wrong DIR would turn CI green).
  if (!config.routingTests.length) {
    io.err(`test:routing: no RoutingTest documents under ${dir}: nothing was tested`);
    return EXIT.USAGE;
  }
  const results = await runRoutingTests(compileSnapshot(config, { env }));
  for (const line of formatResults(results, { github })) io.out(line);
  return results.every((r) => r.status === 'pass') ? EXIT.OK : EXIT.FAILED;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
