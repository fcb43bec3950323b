// A throwaway Redis Cluster a test file owns: 3 masters and 3 replicas on free loopback ports in a
// temp dir, made with `redis-cli --cluster create`, with a short node timeout so that a killed
// master is replaced in about two seconds. Start one per test file: creating it takes a few seconds.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './throwaway-redis.ts';

const run = promisify(execFile);

interface ClusterNodeProcess {
  readonly port: number;
  readonly running: boolean;
}

export interface TestRedisCluster {
  /** Every node, masters and replicas, as `host:port` seeds. */
  readonly seeds: { host: string; port: number }[];
  /** `127.0.0.1:p1,127.0.0.1:p2,…`, the REDIS_CLUSTER_NODES form. */
  readonly nodesEnv: string;
  readonly nodes: readonly ClusterNodeProcess[];
  /** Ports of the nodes serving slots now (asked of a live node). */
  masters(): Promise<number[]>;
  /** The port of the master serving `key` now. */
  masterOf(key: string): Promise<number>;
  /** SIGKILL the node on `port` and wait until it has exited. */
  kill(port: number): Promise<void>;
  /** Resolve once every live node reports cluster_state:ok and every slot has a live master. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Kill every node and remove the temp dir; safe to call more than once. */
  close(): Promise<void>;
}

const cli = (port: number, ...args: string[]) =>
  run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 5000 }).then((r) => r.stdout);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Node {
  port: number;
  child: ChildProcess | null;
  exited: Promise<void>;
}

/** Whether a port can be listened on now. */
const portIsFree = (port: number) => new Promise<boolean>((resolve) => {
  const srv = createServer();
  srv.once('error', () => resolve(false));
  srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
});

/**
 * A client port and a cluster bus port per node. Redis 7 takes the bus port as `--cluster-port`;
 * older servers use port + 10000, so the client port is picked with that one free too.
 */
async function nodePorts(n: number): Promise<{ port: number; bus: number | null }[]> {
  const version = (await run('redis-server', ['--version'])).stdout;
  const major = Number(/v=(\d+)/.exec(version)?.[1] ?? 7);
  const taken = new Set<number>();
  const fresh = async () => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) return (taken.add(p), p);
    }
  };
  const out: { port: number; bus: number | null }[] = [];
  while (out.length < n) {
    const port = await fresh();
    if (major >= 7) out.push({ port, bus: await fresh() });
    else if (port + 10_000 <= 65_535 && !taken.has(port + 10_000) && (await portIsFree(port + 10_000))) {
      taken.add(port + 10_000);
      out.push({ port, bus: null });
    }
  }
  return out;
}

function launch(dir: string, port: number, busPort: number | null, nodeTimeoutMs: number): Promise<Node> {
  const child = spawn('redis-server', [
    '--port', String(port), ...(busPort === null ? [] : ['--cluster-port', String(busPort)]), '--bind', '127.0.0.1',
    '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`),
    '--cluster-node-timeout', String(nodeTimeoutMs), '--save', '', '--appendonly', 'no', '--dir', dir,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const node: Node = { port, child, exited: new Promise((r) => child.once('exit', () => r())) };
  void node.exited.then(() => { node.child = null; });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`redis-server ${port} not ready:\n${out}`)); }, 10_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stdout.resume();
        child.stderr.resume();
        resolve(node);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.once('error', (err) => { clearTimeout(timer); reject(err); });
    child.once('exit', (code, sig) => { clearTimeout(timer); reject(new Error(`redis-server ${port} exited (${code ?? sig}):\n${out}`)); });
  });
}

/** Start a 3 masters + 3 replicas cluster (needs `redis-server` and `redis-cli` on PATH). */
export async function startTestRedisCluster(opts: { nodeTimeoutMs?: number } = {}): Promise<TestRedisCluster> {
  const nodeTimeoutMs = opts.nodeTimeoutMs ?? 1000;
  const dir = await mkdtemp(join(tmpdir(), 'leadroute-cluster-'));
  const nodes: Node[] = [];
  const close = async () => {
    await Promise.all(nodes.map(async (n) => {
      n.child?.kill('SIGKILL');
      await n.exited;
    }));
    await rm(dir, { recursive: true, force: true });
  };
  // A port found free can be taken by another process before redis-server binds it (tests run in
  // parallel): then the whole cluster is started again on new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      const ports = await nodePorts(6);
      const p = ports.map((x) => x.port);
      const launched = await Promise.allSettled(ports.map(({ port, bus }) => launch(dir, port, bus, nodeTimeoutMs)));
      for (const l of launched) if (l.status === 'fulfilled') nodes.push(l.value);
      const failed = launched.find((l) => l.status === 'rejected');
      if (failed) throw failed.reason;
      await run('redis-cli', ['--cluster', 'create', ...p.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 });
      break;
    } catch (err) {
      const portTaken = attempt < 3 && String((err as Error).message).includes('Address already in use');
      if (!portTaken) {
        await close();
        throw err;
      }
      await Promise.all(nodes.splice(0).map(async (n) => {
        n.child?.kill('SIGKILL');
        await n.exited;
      }));
    }
  }

  const live = () => nodes.filter((n) => n.child !== null);
  /** `CLUSTER NODES` from a live node: port, role, whether it is failed, its slots. */
  const table = async () => {
    const text = await cli(live()[0].port, 'cluster', 'nodes');
    return text.trim().split('\n').map((line) => {
      const f = line.split(' ');
      return { port: Number(f[1].split(':')[1].split('@')[0]), master: f[2].includes('master'), failed: f[2].includes('fail'), slots: f.slice(8) };
    });
  };
  const masters = async () => (await table()).filter((n) => n.master && !n.failed && n.slots.length > 0).map((n) => n.port);

  const cluster: TestRedisCluster = {
    seeds: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    nodesEnv: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    nodes: nodes.map((n) => ({ port: n.port, get running() { return n.child !== null; } })),
    masters,
    async masterOf(key) {
      const slot = Number((await cli(live()[0].port, 'cluster', 'keyslot', key)).trim());
      for (const n of await table()) {
        if (!n.master || n.failed) continue;
        for (const range of n.slots) {
          const [lo, hi = lo] = range.split('-').map(Number);
          if (slot >= lo && slot <= hi) return n.port;
        }
      }
      throw new Error(`no live master serves slot ${slot}`);
    },
    async kill(port) {
      const n = nodes.find((x) => x.port === port);
      if (!n?.child) return;
      n.child.kill('SIGKILL');
      await n.exited;
    },
    async waitHealthy(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let why = '';
      while (Date.now() < deadline) {
        try {
          const states = await Promise.all(live().map((n) => cli(n.port, 'cluster', 'info')));
          const ok = states.every((s) => s.includes('cluster_state:ok'));
          const served = (await table()).filter((n) => n.master && !n.failed).flatMap((n) => n.slots).length > 0;
          const liveMasters = await masters();
          if (ok && served && liveMasters.every((port) => live().some((n) => n.port === port)) && liveMasters.length === 3) return;
          why = `states ${states.map((s) => /cluster_state:(\w+)/.exec(s)?.[1]).join(',')}, masters ${liveMasters.join(',')}`;
        } catch (err) {
          why = String(err);
        }
        await sleep(100);
      }
      throw new Error(`redis cluster not healthy after ${timeoutMs} ms: ${why}`);
    },
    close,
  };
  try {
    await cluster.waitHealthy();
    // A master can only be replaced by a replica that has caught up with it.
    const deadline = Date.now() + 20_000;
    for (const port of await masters()) {
      while (!/slave0:.*state=online/.test(await cli(port, 'info', 'replication'))) {
        if (Date.now() > deadline) throw new Error(`the replica of ${port} is not in sync`);
        await sleep(100);
      }
    }
  } catch (err) {
    await close();
    throw err;
  }
  return cluster;
}
