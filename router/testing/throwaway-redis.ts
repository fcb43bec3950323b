// A redis-server child process a test owns: start, stop (kill), start again on the same port.
// For tests of "Redis goes away" or "Redis freezes" (DEBUG SLEEP is enabled for local clients);
// never point those at the shared Redis on 6379.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ThrowawayRedis {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly running: boolean;
  /** Kill the server (SIGKILL, like a crash) and wait until it has exited. */
  stop(): Promise<void>;
  /** Start a fresh, empty server on the same port. */
  start(): Promise<void>;
  /** Freeze the server (SIGSTOP): connections stay open but nothing answers. */
  pause(): void;
  resume(): void;
  /** Stop and clean up; safe to call more than once. */
  close(): Promise<void>;
}

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startThrowawayRedis(opts: { port?: number; bin?: string; startTimeoutMs?: number } = {}): Promise<ThrowawayRedis> {
  const port = opts.port ?? (await freePort());
  const bin = opts.bin ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const startTimeoutMs = opts.startTimeoutMs ?? 10_000;
  const dir = await mkdtemp(join(tmpdir(), 'leadroute-redis-'));
  let child: ChildProcess | null = null;

  const launch = () =>
    new Promise<void>((resolve, reject) => {
      const p = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--enable-debug-command', 'local', '--dir', dir], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = p;
      let out = '';
      const timer = setTimeout(() => fail(new Error(`redis-server on port ${port} not ready after ${startTimeoutMs} ms:\n${out}`)), startTimeoutMs);
      const onData = (b: Buffer) => {
        out += b.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          p.stdout?.off('data', onData);
          p.stdout?.resume();
          p.stderr?.resume();
          resolve();
        }
      };
      function fail(err: Error) {
        clearTimeout(timer);
        p.kill('SIGKILL');
        reject(err);
      }
      p.stdout?.on('data', onData);
      p.stderr?.on('data', (b: Buffer) => (out += b.toString()));
      p.on('error', fail);
      p.on('exit', (code, signal) => {
        if (child === p) child = null;
        fail(new Error(`redis-server on port ${port} exited (${code ?? signal}):\n${out}`));
      });
    });

  const stop = async () => {
    const p = child;
    if (!p) return;
    child = null;
    if (p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill('SIGCONT');
    p.kill('SIGKILL');
    await exited;
  };

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== null;
    },
    stop,
    async start() {
      if (child) throw new Error('throwaway redis is already running');
      await launch();
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
