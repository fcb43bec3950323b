// npm run diff:routing -- --base REF [--head REF] [--leads FILE.jsonl] [DIR]
// Routes one corpus of leads through DIR as it is at two git revisions (head: the working tree
// unless --head is given) and prints a Markdown report of the leads whose routes change.
// Revisions are read with git ls-tree/cat-file into a temporary directory: the working tree,
// the index and HEAD are never touched. A report, so exit 0 whatever changed; 2 on usage, git
// or load errors, and when no lead could be routed at either revision (nothing was compared).
// Markdown goes to stdout, diagnostics to stderr.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Config } from '../router/config/types.ts';
import { loadSamples, parseSamples, routingTestLeads, type SampleLead } from '../router/lint/samples.ts';
import { compileSnapshot } from '../router/routing/snapshot.ts';
import { EXIT, parseCli, resolveProfilesDir, UsageError } from './lib/cli.ts';
import { formatText } from './lib/format-problems.ts';
import { loadOrReport, stdio, type Out } from './lib/load-profiles.ts';
import { GitError, locateInRepo, materialise, resolveCommit } from './lib/git-tree.ts';
import { buildCorpus, diffOutcomes, encryptedFields, renderMarkdown, routeCorpus, type RoutingDiff } from './lib/routing-diff.ts';

const USAGE = 'usage: npm run diff:routing -- --base REF [--head REF] [--leads FILE.jsonl] [--at ISO-TIME] [DIR]';

/** One fixed clock for both sides, so calendar windows never make a difference. */
const DEFAULT_AT = '2026-01-07T15:00:00Z';

interface Side {
  label: string;
  config: Config;
  samples: SampleLead[];
}

export async function main(argv: string[], io: Out = stdio, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let args: { base: string; head?: string; leads?: string; dir: string; at: Date };
  try {
    const { values, positionals } = parseCli(argv, {
      base: { type: 'string' },
      head: { type: 'string' },
      leads: { type: 'string' },
      at: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.out(USAGE);
      return EXIT.OK;
    }
    if (!values.base) throw new UsageError('--base is required');
    const at = new Date(values.at ?? DEFAULT_AT);
    if (!Number.isFinite(at.getTime())) throw new UsageError(`--at '${values.at}' is not a date and time`);
    args = { base: values.base, head: values.head, leads: values.leads, dir: resolveProfilesDir(positionals[0], env), at };
  } catch (err) {
    io.err((err as Error).message);
    io.err(USAGE);
    return EXIT.USAGE;
  }

  const temps: string[] = [];
  try {
    let extra: SampleLead[] = [];
    if (args.leads) {
      const text = await readFile(args.leads, 'utf8').catch((e: NodeJS.ErrnoException) => {
        throw new UsageError(`${args.leads}: cannot read: ${e.code ?? e.message}`);
      });
      const parsed = parseSamples(text, args.leads);
      if (parsed.problems.length) {
        for (const p of parsed.problems) io.err(formatText(p));
        throw new UsageError(`${args.leads}: fix the lines above`);
      }
      extra = parsed.samples;
    }

    const repo = await locateInRepo(args.dir);
    const shownDir = repo.rel || '.';
    const atRevision = async (ref: string): Promise<Side | null> => {
      const commit = await resolveCommit(repo.toplevel, ref);
      const root = await mkdtemp(path.join(tmpdir(), 'leadroute-diff-'));
      temps.push(root);
      await materialise(repo.toplevel, commit, repo.rel, root);
      const dir = path.join(root, ...repo.rel.split('/').filter(Boolean));
      // Problems name files as they are in the repository (cwd = the materialised top).
      return side(`${ref} (${commit.slice(0, 7)})`, dir, root, io);
    };

    const base = await atRevision(args.base);
    if (!base) return EXIT.USAGE;
    const head = args.head !== undefined ? await atRevision(args.head) : await side('the working tree', path.resolve(args.dir), repo.toplevel, io);
    if (!head) return EXIT.USAGE;

    const corpus = buildCorpus(head.samples, routingTestLeads(head.config), base.samples, routingTestLeads(base.config), extra);
    if (!corpus.length) {
      io.err('diff:routing: no leads to compare: add samples/*.jsonl beside the profiles, RoutingTest cases, or --leads FILE.jsonl');
      return EXIT.USAGE;
    }
    const before = await routeCorpus(compileSnapshot(base.config, { env: {} }), corpus, args.at);
    const after = await routeCorpus(compileSnapshot(head.config, { env: {} }), corpus, args.at);
    const diff = diffOutcomes(corpus, before, after, encryptedFields(base.config, head.config));
    io.out(renderMarkdown(diff, { base: `\`${base.label}\``, head: head.label === 'the working tree' ? head.label : `\`${head.label}\``, dir: shownDir }).trimEnd());
    for (const line of unroutedNotes(diff)) io.err(line);
    // A run that compared nothing must not read as "no change".
    return diff.unrouted.length === diff.total ? EXIT.USAGE : EXIT.OK;
  } catch (err) {
    if (err instanceof UsageError || err instanceof GitError) {
      io.err(err.message);
      return EXIT.USAGE;
    }
    throw err;
  } finally {
    await Promise.all(temps.map((t) => rm(t, { recursive: true, force: true })));
  }
}

/** Stderr lines about the leads neither side routed: how many, why, and the likely mistake. */
export function unroutedNotes(diff: RoutingDiff): string[] {
  const n = diff.unrouted.length;
  if (!n) return [];
  const unknown = diff.unrouted.filter((u) => u.kind === 'no-entity');
  const names = [...new Set(unknown.map((u) => u.lead.entity))];
  const invalid = diff.unrouted.filter((u) => u.kind === 'invalid').length;
  const parts = [
    unknown.length ? `${unknown.length} name an entity defined at neither: ${names.join(', ')}` : '',
    invalid ? `${invalid} are not valid leads at either` : '',
    n - unknown.length - invalid ? `${n - unknown.length - invalid} have no entity at one and are not valid at the other` : '',
  ].filter(Boolean);
  const head =
    n === diff.total
      ? `diff:routing: none of the ${n} lead${n === 1 ? '' : 's'} could be routed at either revision (${parts.join('; ')}); nothing was compared`
      : `diff:routing: ${n} of ${diff.total} leads could not be routed at either revision (${parts.join('; ')}); the report lists them apart`;
  const lines = [head];
  // A bare lead in NAME.jsonl takes NAME as its entity: the usual cause of an unknown one.
  for (const name of names) {
    const file = unknown.find((u) => u.lead.entity === name && u.lead.at && stem(u.lead.at.file) === name)?.lead.at?.file;
    if (file) {
      lines.push(`  a bare lead in ${path.basename(file)} takes its entity from the file's name ('${name}'): give each line an "entity", or name the file after its entity (ENTITY.jsonl)`);
    }
  }
  return lines;
}

const stem = (file: string) => path.basename(file).replace(/\.jsonl?$/i, '');

/** Loads one side; its samples' problems are warnings (the lead is skipped), not failures. */
async function side(label: string, dir: string, cwd: string, io: Out): Promise<Side | null> {
  const config = await loadOrReport(dir, io, { cwd, label: `${label}: ${path.relative(cwd, dir) || '.'}` });
  if (!config) return null;
  const samples = await loadSamples(dir, { cwd });
  for (const p of samples.problems) io.err(`${label}: ${formatText(p)}`);
  return { label, config, samples: samples.samples };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
