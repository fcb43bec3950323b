// Summarise a V8 CPU profile (`node --cpu-prof`): the functions with the most self time and
// the most total time (self + callees), with their file (and line when known). Used to find what a missed
// target costs.  Run: npx tsx bench/profile-top.ts FILE.cpuprofile [N] [--filter TEXT] [--skip-ms MS]
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionCost {
  name: string;
  where: string;
  selfShare: number;
  totalShare: number;
}

/** `skipMs`: ignore the first milliseconds of the profile (a server's startup, say). */
export function topFunctions(profile: CpuProfile, skipMs = 0): FunctionCost[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Line numbers only when the profile has them (tsx-transformed modules report line 0).
  const key = (n: ProfileNode) => {
    const line = n.callFrame.lineNumber > 0 ? `:${n.callFrame.lineNumber + 1}` : '';
    return `${n.callFrame.functionName || '(anonymous)'}\u0000${shortUrl(n.callFrame.url)}${line}`;
  };
  const self = new Map<string, number>(), total = new Map<string, number>();
  let all = 0;
  let at = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (at < skipMs * 1000) return;
    all += dt;
    const leaf = byId.get(id)!;
    self.set(key(leaf), (self.get(key(leaf)) ?? 0) + dt);
    // Count each function once per sample, however deep its recursion.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = key(byId.get(cur)!);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + dt);
    }
  });
  return [...total.keys()].map((k) => {
    const [name, where] = k.split('\u0000');
    return { name, where, selfShare: (self.get(k) ?? 0) / all, totalShare: total.get(k)! / all };
  });
}

function shortUrl(url: string): string {
  const i = url.indexOf('/router/');
  if (i >= 0) return url.slice(i + 1);
  const j = url.lastIndexOf('/node_modules/');
  if (j >= 0) return url.slice(j + '/node_modules/'.length);
  return url.replace(/^file:\/\//, '').split('/').slice(-2).join('/') || '(native)';
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, n = '25', ...rest] = process.argv.slice(2);
  const flag = (name: string) => (rest.includes(name) ? rest[rest.indexOf(name) + 1] : undefined);
  const filter = flag('--filter');
  const costs = topFunctions(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, Number(flag('--skip-ms') ?? 0)).filter((c) => !filter || c.where.includes(filter));
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)} %`;
  console.log('self      total     function (file:line)');
  for (const c of [...costs].sort((a, b) => b.selfShare - a.selfShare).slice(0, Number(n))) {
    console.log(`${pct(c.selfShare)}  ${pct(c.totalShare)}  ${c.name} (${c.where})`);
  }
  console.log('\nby total time:');
  for (const c of [...costs].sort((a, b) => b.totalShare - a.totalShare).slice(0, Number(n))) {
    console.log(`${pct(c.selfShare)}  ${pct(c.totalShare)}  ${c.name} (${c.where})`);
  }
}
