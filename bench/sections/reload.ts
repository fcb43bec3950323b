// Hot reload under load: the embedded router takes leads at 50 connections while the profile
// tree is rewritten every half second (some files in place, some by write-and-rename as editors
// and git do). Every request must succeed; the p99 shows what reloads cost the requests.
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BenchContext } from '../context.ts';
import { TREE_ENTITY, treeLeads, writeTree } from '../gen-tree.ts';
import { runLoad } from '../lib/load.ts';
import { startRouter, startSink } from '../lib/targets.ts';
import { prng } from '../prng.ts';
import { atMost, row } from '../report.ts';
import type { SectionResult } from '../report.ts';
import { CONNECTIONS, targetNodeArgs } from './http.ts';

const REWRITE_EVERY_MS = 500;
const FILES_PER_REWRITE = 10;

interface ConfigStatus {
  version: string | null;
  lastReload: { at: string | null; successful: boolean; error: string | null };
}

export async function reloadSection(ctx: BenchContext): Promise<SectionResult> {
  const profiles = ctx.smoke ? 20 : 1_000;
  const sink = await startSink();
  try {
    const tree = await writeTree(path.join(ctx.tmpDir, 'reload-tree'), { profiles, webhookUrl: sink.url, caps: 'huge' });
    const bodies = treeLeads(profiles, 2_000).map((l) => JSON.stringify(l));
    ctx.log(`reload: starting the embedded router on ${profiles.toLocaleString('en-US')} profiles`);
    const router = await startRouter({ name: 'router-reload', profilesDir: tree.dir, scratchDir: ctx.tmpDir, nodeArgs: targetNodeArgs('router-reload') });
    try {
      const url = `${router.url}/v1/leads/${TREE_ENTITY}`;
      if (!ctx.smoke) await runLoad({ url, bodies, connections: CONNECTIONS, durationS: 2 });
      const status = async () => (await (await fetch(`${router.url}/v1/config`)).json()) as ConfigStatus;
      const first = await status();

      // Rewrites and config polling run beside the load until it stops.
      let stop = false;
      let rewrites = 0;
      const versions = new Set<string>([first.version ?? '']);
      const reloadErrors = new Set<string>();
      const rnd = prng(3);
      const t0 = performance.now();
      let firstReloadMs: number | null = null;
      const rewriter = (async () => {
        while (!stop) {
          rewrites++;
          for (let k = 0; k < FILES_PER_REWRITE; k++) {
            const file = path.join(tree.dir, tree.profileFiles[Math.floor(rnd() * tree.profileFiles.length)]);
            const text = (await readFile(file, 'utf8')).replace(/^description: .*$/m, `description: Generated profile, rewrite ${rewrites}.${k}`);
            if (k % 2) {
              await writeFile(`${file}.tmp~`, text);
              await rename(`${file}.tmp~`, file);
            } else {
              await writeFile(file, text);
            }
          }
          await new Promise((r) => setTimeout(r, REWRITE_EVERY_MS));
        }
      })();
      const poller = (async () => {
        while (!stop) {
          const s = await status().catch(() => null);
          if (s?.version && !versions.has(s.version)) {
            versions.add(s.version);
            firstReloadMs ??= performance.now() - t0;
          }
          if (s && !s.lastReload.successful && s.lastReload.error) reloadErrors.add(s.lastReload.error);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      ctx.log(`reload: ${ctx.durationS} s of load while ${FILES_PER_REWRITE} profile files are rewritten every ${REWRITE_EVERY_MS} ms`);
      const load = await runLoad({ url, bodies, connections: CONNECTIONS, durationS: ctx.durationS });
      stop = true;
      await Promise.all([rewriter, poller]);

      const reloads = versions.size - 1;
      const failed = load.errors;
      return {
        name: 'reload',
        title: `Hot reload under load (embedded router, ${CONNECTIONS} connections, ${ctx.durationS} s)`,
        rows: [
          row('intake during reloads', load.acceptedPerSecond, 'req/s'),
          row('failed requests during reloads', failed, '', `${failed}${Object.keys(load.statuses).length ? ` ${JSON.stringify(load.statuses)}` : ''}`, atMost(failed, 0, '= 0')),
          row('latency p50 / p99 during reloads', load.p99Ms, 'ms', `${load.p50Ms} / ${load.p99Ms} ms`),
          row('latency max during reloads', load.maxMs, 'ms'),
          row('reloads completed during the load (new versions served)', reloads, '', `${reloads} (${rewrites} rewrites)`),
          row('first rewrite → new version served', firstReloadMs === null ? null : firstReloadMs / 1000, 's'),
          row('reloads refused (tree invalid)', reloadErrors.size, ''),
        ],
        details: {
          profiles,
          rewriteEveryMs: REWRITE_EVERY_MS,
          filesPerRewrite: FILES_PER_REWRITE,
          rewrites,
          reloads,
          firstReloadMs,
          reloadErrors: [...reloadErrors],
          routerStartMs: router.startMs,
          load,
        },
        notes: [
          `the ${profiles.toLocaleString('en-US')}-profile tree of the HTTP section; every ${REWRITE_EVERY_MS} ms ${FILES_PER_REWRITE} profile files get a new description (half in place, half write + rename); the watcher debounces and serializes reloads, so several rewrites make one reload`,
        ],
      };
    } finally {
      await router.stop();
    }
  } finally {
    await sink.stop();
  }
}
