// Child processes for the bench: each target server and the sink run in their own process, so
// one's CPU and memory never mix with another's (or with the load generator's).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Child {
  proc: ChildProcess;
  /** The last lines the child wrote to stderr (for error messages). */
  stderr(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  /** Extra node flags (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** Open an IPC channel (children that report their port with process.send). */
  ipc?: boolean;
  /** `env` is the whole environment instead of additions to this process's. */
  replaceEnv?: boolean;
  /** With BENCH_LOGS=dir, the child's stdout (the router's log) goes to dir/<name>.log. */
  name?: string;
}

// Children never outlive the bench, even when it fails half-way.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

/** Run a TypeScript file with tsx in a new node process, from the repository root. */
export function spawnTs(file: string, args: readonly string[] = [], opts: SpawnOptions = {}): Child {
  const logs = process.env.BENCH_LOGS;
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', file, ...args], {
    cwd: REPO_ROOT,
    env: opts.replaceEnv ? opts.env : { ...process.env, ...opts.env },
    stdio: ['ignore', logs && opts.name ? 'pipe' : 'ignore', 'pipe', ...(opts.ipc ? (['ipc'] as const) : [])],
  });
  if (logs && opts.name && proc.stdout) {
    mkdirSync(logs, { recursive: true });
    proc.stdout.pipe(createWriteStream(path.join(logs, `${opts.name}.log`)));
  }
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  let tail = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  return {
    proc,
    stderr: () => tail,
    async stop(graceMs = 5000) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** The first IPC message of a child, or an error when it exits or stays silent first. */
export function firstMessage<T>(child: Child, timeoutMs = 30_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`child sent nothing within ${timeoutMs} ms\n${child.stderr()}`)), timeoutMs);
    const onMessage = (m: unknown) => {
      cleanup();
      resolve(m as T);
    };
    const onExit = (code: number | null) => fail(new Error(`child exited (${code}) before it was ready\n${child.stderr()}`));
    function fail(err: Error) {
      cleanup();
      reject(err);
    }
    function cleanup() {
      clearTimeout(timer);
      child.proc.off('message', onMessage);
      child.proc.off('exit', onExit);
    }
    child.proc.on('message', onMessage);
    child.proc.once('exit', onExit);
  });
}

/** A TCP port that was free a moment ago (for children that take PORT from the environment). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Poll `url` until it answers 2xx; throws after `timeoutMs` or when `child` exits. */
export async function waitForHttp(url: string, child: Child, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.proc.exitCode !== null) throw new Error(`${url}: the process exited (${child.proc.exitCode}) before it was ready\n${child.stderr()}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready within ${timeoutMs} ms\n${child.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
