// npm run docs [-- --check]: writes the tables generated from code (problem and lint codes,
// environment variables, metrics) into docs/. With --check nothing is written: exit 1 and a list
// of the tables that differ from the generated ones. Exit 2 on a usage error.
import { fileURLToPath } from 'node:url';
import { EXIT, UsageError, parseCli } from './lib/cli.ts';
import { syncDocs } from './lib/docs-tables.ts';

const USAGE = `usage: npm run docs [-- --check] [--root DIR]
  writes the generated tables (problem codes, lint codes, environment, metrics) into docs/
  --check     write nothing; exit 1 listing the tables that differ
  --root DIR  the repository root (default: this repository)`;

async function main(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseCli(argv, { check: { type: 'boolean' }, root: { type: 'string' }, help: { type: 'boolean' } }, 0).values;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`docs: ${err.message}\n${USAGE}\n`);
    return EXIT.USAGE;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.OK;
  }
  const root = args.root ?? fileURLToPath(new URL('..', import.meta.url));
  const check = args.check === true;
  const differences = await syncDocs(root, { write: !check });
  const missing = differences.filter((d) => d.problem === 'markers missing');
  for (const d of check ? differences : missing) {
    process.stderr.write(`${d.file}: generated:${d.name}: ${d.problem}\n`);
  }
  if (check) {
    if (differences.length > 0) process.stderr.write('docs: run npm run docs to update the generated tables\n');
    return differences.length > 0 ? EXIT.FAILED : EXIT.OK;
  }
  const written = differences.filter((d) => d.problem === 'differs');
  process.stdout.write(written.length > 0 ? `docs: updated ${written.map((d) => `${d.file} (${d.name})`).join(', ')}\n` : 'docs: up to date\n');
  return missing.length > 0 ? EXIT.FAILED : EXIT.OK;
}

process.exitCode = await main(process.argv.slice(2));
