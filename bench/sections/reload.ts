// Hot reload under load: the embedded router takes leads at 50 connections while its profile tree
// changes, in two cases run one after the other: one profile file edited every half second (the
// usual commit), and every profile file rewritten at once (a deploy of a regenerated tree). Every
// request must succeed; the p99 shows what reloads cost the requests, and each edit is timed
// until /v1/config serves the new version.
import path from 'node:path';
import type { BenchContext } from '../context.ts';
import { TREE_ENTITY, treeLeads, writeTree } from '../gen-tree.ts';
import { firstMessage, spawnTs } from '../lib/child.ts';
import { runLoad, type LoadFigures } from '../lib/load.ts';
import { startRouter, startSink } from '../lib/targets.ts';
import type { EditRequest, EditResult } from '../targets/tree-editor.ts';
import { prng } from '../prng.ts';
import { atMost, row } from '../report.ts';
import type { Row, SectionResult } from '../report.ts';
import { CONNECTIONS, targetNodeArgs } from './http.ts';
import { reloadCost } from './reload-cost.ts';

/** One profile edited per step in the first case; every profile file in the second. */
const ONE_EVERY_MS = 500;
const ALL_EVERY_MS = 3_000;
const SERVED_TIMEOUT_MS = 10_000;

interface CaseResult {
  load: LoadFigures;
  /** Milliseconds from the last file written to /v1/config serving the new version, per edit. */
  served: number[];
  edits: number;
  refused: string[];
}

export async function reloadSection(ctx: BenchContext): Promise<SectionResult> {
  const profiles = ctx.smoke ? 20 : 1_000;
  const sink = await startSink();
  // The files are written, and each edit timed until served, by a process of their own: a thousand
  // writes or a poll every 10 ms here would delay the load generator's answers, and that delay
  // would count as the router's.
  const editor = spawnTs('bench/targets/tree-editor.ts', [], { ipc: true });
  try {
    await firstMessage(editor);
    const tree = await writeTree(path.join(ctx.tmpDir, 'reload-tree'), { profiles, webhookUrl: sink.url, caps: 'huge' });
    const costTree = await writeTree(path.join(ctx.tmpDir, 'reload-cost-tree'), { profiles, webhookUrl: sink.url, caps: 'huge' });
    const bodies = treeLeads(profiles, 2_000).map((l) => JSON.stringify(l));
    ctx.log(`reload: starting the embedded router on ${profiles.toLocaleString('en-US')} profiles`);
    const router = await startRouter({ name: 'router-reload', profilesDir: tree.dir, scratchDir: ctx.tmpDir, nodeArgs: targetNodeArgs('router-reload') });
    try {
      const url = `${router.url}/v1/leads/${TREE_ENTITY}`;
      if (!ctx.smoke) await runLoad({ url, bodies, connections: CONNECTIONS, durationS: 2 });
      const rnd = prng(3);
      let edit = 0;
      /** Rewrites `files` in the editor process, which times the edit until it is served. */
      const rewrite = async (files: readonly string[]): Promise<EditResult> => {
        const request: EditRequest = { edit: ++edit, dir: tree.dir, files: [...files], configUrl: `${router.url}/v1/config`, timeoutMs: SERVED_TIMEOUT_MS };
        const done = firstMessage<EditResult>(editor, SERVED_TIMEOUT_MS + 30_000);
        editor.proc.send(request);
        const result = await done;
        if (result.edit !== request.edit) throw new Error('the tree editor answered another edit');
        return result;
      };

      const runCase = async (label: string, everyMs: number, pick: () => readonly string[]): Promise<CaseResult> => {
        let stop = false;
        const served: number[] = [];
        const refused = new Set<string>();
        const editing = (async () => {
          while (!stop) {
            const t0 = performance.now();
            const result = await rewrite(pick());
            if (result.servedMs !== null) served.push(result.servedMs);
            for (const r of result.refused) refused.add(r);
            const rest = everyMs - (performance.now() - t0);
            if (rest > 0 && !stop) await new Promise((r) => setTimeout(r, rest));
          }
        })();
        ctx.log(`reload: ${ctx.durationS} s of load while ${label}`);
        const load = await runLoad({ url, bodies, connections: CONNECTIONS, durationS: ctx.durationS });
        stop = true;
        await editing;
        return { load, served, edits: served.length, refused: [...refused] };
      };

      // The same load with no edit: what the machine gives without reloads, to read the p99s against.
      ctx.log(`reload: ${ctx.durationS} s of load with no edit (baseline)`);
      const quiet = await runLoad({ url, bodies, connections: CONNECTIONS, durationS: ctx.durationS });
      const one = await runCase(`one profile file is edited every ${ONE_EVERY_MS} ms`, ONE_EVERY_MS, () => [
        tree.profileFiles[Math.floor(rnd() * tree.profileFiles.length)],
      ]);
      const all = await runCase(`every profile file is rewritten every ${ALL_EVERY_MS} ms`, ALL_EVERY_MS, () => tree.profileFiles);

      const rows: Row[] = [row('no edit (baseline): latency p50 / p99', quiet.p99Ms, 'ms', `${quiet.p50Ms} / ${quiet.p99Ms} ms`)];
      const caseRows = (name: string, r: CaseResult, p99Target: number, servedTarget?: number) => {
        const failed = r.load.errors;
        const worst = r.served.length ? Math.max(...r.served) : null;
        rows.push(
          row(`${name}: intake during reloads`, r.load.acceptedPerSecond, 'req/s'),
          row(`${name}: failed requests`, failed, '', `${failed}${Object.keys(r.load.statuses).length ? ` ${JSON.stringify(r.load.statuses)}` : ''}`, atMost(failed, 0, '= 0')),
          row(`${name}: latency p50 / p99 during reloads`, r.load.p99Ms, 'ms', `${r.load.p50Ms} / ${r.load.p99Ms} ms`, atMost(r.load.p99Ms, p99Target, `p99 ≤ ${p99Target} ms`)),
          row(`${name}: latency max during reloads`, r.load.maxMs, 'ms'),
          row(`${name}: edit → new version served, median / worst`, worst, 'ms', `${median(r.served)?.toFixed(0) ?? '–'} / ${worst?.toFixed(0) ?? '–'} ms (${r.edits} edits)`,
            servedTarget === undefined ? undefined : atMost(worst, servedTarget, `≤ ${servedTarget} ms`)),
          row(`${name}: reloads refused (tree invalid)`, r.refused.length, ''),
        );
      };
      caseRows('one profile changed', one, 50, 300);
      caseRows('every file changed', all, 250);
      // With the router stopped, on a tree of its own written before the cases: its files are old
      // enough for the loader to trust their stamps, as a running router's are.
      await router.stop();
      const cost = await reloadCost(costTree.dir, costTree.profileFiles, ctx.smoke ? 3 : 40);
      if (cost) {
        rows.push(
          row('one profile changed: CPU per reload on the request thread, taking in + compiling', cost.takeInMs + cost.compileMs, 'ms',
            `${(cost.takeInMs + cost.compileMs).toFixed(1)} ms = ${cost.takeInMs.toFixed(1)} + ${cost.compileMs.toFixed(1)}`),
          row('one profile changed: CPU per reload in the loader thread', cost.loaderThreadMs, 'ms', `${cost.loaderThreadMs.toFixed(1)} ms`),
        );
      }
      return {
        name: 'reload',
        title: `Hot reload under load (embedded router, ${CONNECTIONS} connections, ${ctx.durationS} s per case)`,
        rows,
        details: { profiles, oneEveryMs: ONE_EVERY_MS, allEveryMs: ALL_EVERY_MS, quiet, one, all, routerStartMs: router.startMs },
        notes: [
          `the ${profiles.toLocaleString('en-US')}-profile tree of the HTTP section; each edit gives profile files a new description (half in place, half write + rename) and is timed from its last write until /v1/config serves a new version (the watcher's 100 ms debounce included)`,
        ],
      };
    } finally {
      await router.stop();
    }
  } finally {
    await sink.stop();
    await editor.stop();
  }
}

function median(xs: readonly number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
