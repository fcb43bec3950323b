// npm run explain -- --entity E FILE.json [DIR] [--json] [--bids BIDS.json]
// The decision trace for one lead (FILE.json, or `-` for stdin), the same words
// `POST /v1/explain/{entity}` returns. A dry run: no cap is read or counted, nothing is sent.
// Exit 0 routed or unmatched, 1 the lead is not valid for the entity, 2 usage or I/O error.
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { createMemoryCapStore } from '../router/caps/memory.ts';
import { checkLead, definedFields } from '../router/leads/check-lead.ts';
import { explainJson, formatDecision } from '../router/lint/format-trace.ts';
import { routeWithAuctions, settleAuctions, simulatedBids } from '../router/routing/ping-post.ts';
import { compileSnapshot } from '../router/routing/snapshot.ts';
import { EXIT, parseCli, resolveProfilesDir, UsageError } from './lib/cli.ts';
import { loadOrReport, stdio, type Out } from './lib/load-profiles.ts';

const USAGE = 'usage: npm run explain -- --entity ENTITY FILE.json|- [DIR] [--json] [--bids BIDS.json]';

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) text += chunk.toString();
  return text;
}

export async function main(
  argv: string[],
  io: Out = stdio,
  env: NodeJS.ProcessEnv = process.env,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  let args: { entity: string; file: string; dir: string; json: boolean; bids?: string };
  try {
    const { values, positionals } = parseCli(
      argv,
      { entity: { type: 'string', short: 'e' }, json: { type: 'boolean' }, bids: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      2,
    );
    if (values.help) {
      io.out(USAGE);
      return EXIT.OK;
    }
    if (!values.entity) throw new UsageError('--entity is required');
    if (positionals.length < 1) throw new UsageError('the lead file is required (FILE.json, or - for stdin)');
    args = { entity: values.entity, file: positionals[0], dir: resolveProfilesDir(positionals[1], env), json: values.json ?? false, bids: values.bids };
  } catch (err) {
    io.err((err as Error).message);
    io.err(USAGE);
    return EXIT.USAGE;
  }

  let lead: unknown;
  try {
    const text = args.file === '-' ? await readStdin(stdin) : await readFile(args.file, 'utf8');
    lead = JSON.parse(text);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    io.err(`${args.file === '-' ? 'stdin' : args.file}: ${e instanceof SyntaxError ? `not valid JSON: ${e.message}` : `cannot read: ${e.code ?? e.message}`}`);
    return EXIT.USAGE;
  }

  // ping-post: `{ "acme": 12.5, "northwind": 9 }`, each partner's bid as if it had answered its ping.
  let bids: Record<string, number> | undefined;
  if (args.bids !== undefined) {
    try {
      const parsed: unknown = JSON.parse(await readFile(args.bids, 'utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new SyntaxError('expected an object of partner ids to numbers, e.g. {"acme": 12.5}');
      }
      bids = parsed as Record<string, number>;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      io.err(`${args.bids}: ${e instanceof SyntaxError ? `not a bids file: ${e.message}` : `cannot read: ${e.code ?? e.message}`}`);
      return EXIT.USAGE;
    }
  }

  const config = await loadOrReport(args.dir, io);
  if (!config) return EXIT.USAGE;
  const snapshot = compileSnapshot(config, { env });
  const ce = snapshot.entity(args.entity);
  if (!ce) {
    io.err(`unknown entity '${args.entity}' (entities: ${[...config.entities.keys()].join(', ') || 'none'})`);
    return EXIT.USAGE;
  }

  // Fields the entity does not define are dropped by the router: a trace that silently ignores a
  // typo (`creditScor`) would mislead, so name them.
  if (isPlainObject(lead)) {
    const { dropped } = definedFields(ce.entity, lead);
    if (dropped.length) {
      const wrapped = dropped.includes('lead') && dropped.includes('entity');
      const hint = wrapped ? 'a samples line? pass the lead object alone' : 'a typo?';
      io.err(`note: ${dropped.join(', ')} ${dropped.length === 1 ? 'is not a field' : 'are not fields'} of ${args.entity}: the router drops ${dropped.length === 1 ? 'it' : 'them'}, so this trace ignores ${dropped.length === 1 ? 'it' : 'them'} (${hint})`);
    }
  }

  // The same check POST /v1/leads makes: a lead the router would refuse (422) is not routed.
  const errors = checkLead(ce.entity, lead);
  if (errors.length) {
    if (args.json) io.out(JSON.stringify({ entity: args.entity, errors }, null, 2));
    io.err(`not a valid ${args.entity} lead (the router would answer 422):`);
    for (const e of errors) io.err(`  ${e.field ? `${e.field}: ` : ''}${e.message}`);
    return EXIT.FAILED;
  }

  const caps = createMemoryCapStore();
  let n = 0;
  const opts = { caps, now: new Date(), mode: 'dry-run' as const, capPrefix: 'explain:', newId: () => `explain-${++n}` };
  const decision = await routeWithAuctions(snapshot, args.entity, lead as Record<string, unknown>, opts);
  // ping-post: no ping is sent; --bids says what each partner would have bid.
  if (decision.auctions?.length) await settleAuctions(snapshot, decision, simulatedBids(decision, bids), opts);
  await caps.close();
  if (args.json) io.out(JSON.stringify(explainJson(decision), null, 2));
  else for (const line of formatDecision(decision)) io.out(line);
  return EXIT.OK;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
