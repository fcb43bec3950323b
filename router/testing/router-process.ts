// A router child process (`node --import tsx router/main.ts`), for process-level tests and the
// bench: started on a free port (PORT=0; the port is read from the "listening" log line).

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface RouterProcess {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Parsed JSON log lines so far (stdout). */
  readonly logs: Record<string, unknown>[];
  /** stderr so far. */
  stderr(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Send a signal and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface RouterProcessOptions {
  /** Extra environment (PORT defaults to 0, HOST to 127.0.0.1, LOG_LEVEL to info: the port is read from the info-level "listening" line). */
  env?: Record<string, string | undefined>;
  /** How long to wait for "listening" (default 20 s). */
  startTimeoutMs?: number;
}

/** Spawn the router; rejects (with its stderr) if it exits or does not listen in time. */
export function startRouterProcess(opts: RouterProcessOptions = {}): Promise<RouterProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...opts.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const child = spawn(process.execPath, ['--import', 'tsx', 'router/main.ts'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  let err = '';
  let buf = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.once('exit', (code, signal) => res({ code, signal }));
  });

  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`router did not listen within ${opts.startTimeoutMs ?? 20_000} ms\n${err}`));
    }, opts.startTimeoutMs ?? 20_000);
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    child.stdout.on('data', (b: Buffer) => {
      buf += b.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let parsed: Record<string, unknown>;
        try { parsed = JSON.parse(line); } catch { parsed = { raw: line }; }
        logs.push(parsed);
        if (parsed.msg === 'listening' && typeof parsed.port === 'number') {
          clearTimeout(timer);
          const port = parsed.port;
          resolveStart({
            port, url: `http://127.0.0.1:${port}`, pid: child.pid!, child, logs, exited,
            stderr: () => err,
            async stop(signal = 'SIGTERM') {
              if (child.exitCode === null && child.signalCode === null) child.kill(signal);
              return exited;
            },
          });
        }
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`router exited (${code ?? signal}) before listening\n${err}`));
    });
  });
}
