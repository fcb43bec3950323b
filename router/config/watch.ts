// Hot reload: watch the profiles DIRECTORY (never single files, whose inodes editors and
// Kubernetes replace) and debounce bursts of events (watchTree: on this thread, or in the config
// loader thread, load-thread.ts), then reload the whole tree through the one loader
// (telling it which files the watcher saw change, when the events say), and swap the compiled
// snapshot in only when the new tree is valid. Otherwise the last good snapshot keeps serving and
// the problems are kept for /v1/config and the metrics.
// Reloads never overlap: a change during a reload schedules exactly one more.

import { watch, type FSWatcher } from 'chokidar';
import { resolve, sep } from 'node:path';
import type { Config, LoadResult, Problem } from './types.ts';

export interface ReloadStatus {
  /** When the last reload attempt finished (null before the first). */
  at: Date | null;
  successful: boolean;
  /** The problems of the last failed attempt; null when it succeeded. */
  error: readonly Problem[] | null;
}

export type ReloadOutcome<S> =
  | { ok: true; snapshot: S; changed: boolean }
  | { ok: false; problems: readonly Problem[] };

interface ReloaderLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What the watcher saw since the previous load began. */
export interface WatchedChanges {
  /** Absolute paths of the files changed, added or removed. */
  files: ReadonlySet<string>;
  /** Whether any of them was added or removed. */
  listChanged: boolean;
}

/** One burst of file events, reported once the directory has been quiet for the debounce time. */
export interface ChangeBurst {
  events: number;
  /** The first few events, as `event path`. */
  paths: string[];
  /** The files the events named, or null when they could have touched any file. */
  changed: { files: string[]; listChanged: boolean } | null;
  /** Set when the burst stands for changes the watcher may have missed, and why. */
  missed?: string;
}

export interface WatchOptions {
  debounceMs: number;
  onError(err: Error): void;
}

/** A watch of a profiles directory, while it runs. */
export interface TreeWatcher {
  close(): Promise<void>;
}

/** Watches a profiles directory, calling `onBurst` after each burst; resolves once watching. */
export type TreeWatch = (dir: string, onBurst: (burst: ChangeBurst) => void, opts: WatchOptions) => Promise<TreeWatcher>;

export interface ConfigReloaderOptions<S extends { hash: string }> {
  dir: string;
  /**
   * `changed`: what the watcher saw since the previous load began, or undefined when that is not
   * known (the first load, SIGHUP, a directory event, a path outside the directory).
   */
  load(dir: string, changed?: WatchedChanges): Promise<LoadResult>;
  compile(config: Config): S | Promise<S>;
  /** The snapshot loaded at startup, if the caller loaded it already. */
  initial?: S;
  /** After every successful reload (`next === previous` when the tree did not change). */
  onSwap?(next: S, previous: S | undefined): void;
  onError?(problems: readonly Problem[]): void;
  /**
   * Quiet time after the last file event before reloading (default 100 ms). Keep it above 50 ms:
   * chokidar drops a file's second `change` within 50 ms, and the reload must come after that write.
   */
  debounceMs?: number;
  /** How the directory is watched (default watchTree, in this thread). */
  watch?: TreeWatch;
  /**
   * Once started, check every file again this long after (no reload when nothing changed): a
   * change made while the watcher was starting is picked up, and the loader can trust the stamps
   * of files that were too fresh to trust at the first load, so the first edit costs like the rest.
   */
  settleMs?: number;
  logger?: ReloaderLogger;
}

export interface ConfigReloader<S> {
  /** The snapshot being served. Read it once per request and keep using that object. */
  current(): S | undefined;
  status(): ReloadStatus;
  /** Reload now (SIGHUP). Resolves with the outcome of a reload that started after this call. */
  reload(): Promise<ReloadOutcome<S>>;
  /** Start watching; resolves once the watcher is ready. */
  start(): Promise<void>;
  /** Stop watching and wait for a reload in progress. */
  close(): Promise<void>;
}

const silent: ReloaderLogger = { info() {}, warn() {}, error() {} };

function ioProblem(dir: string, err: unknown): Problem {
  const message = err instanceof Error ? err.message : String(err);
  return { severity: 'error', code: 'IO_ERROR', message: `could not load ${dir}: ${message}`, file: dir, line: 1, col: 1 };
}

export function createConfigReloader<S extends { hash: string }>(opts: ConfigReloaderOptions<S>): ConfigReloader<S> {
  const log = opts.logger ?? silent;
  const debounceMs = opts.debounceMs ?? 100;
  let snapshot = opts.initial;
  let status: ReloadStatus = opts.initial
    ? { at: new Date(), successful: true, error: null }
    : { at: null, successful: false, error: null };
  let running: Promise<ReloadOutcome<S>> | null = null;
  let queued: Promise<ReloadOutcome<S>> | null = null;
  let watcher: TreeWatcher | null = null;
  let settle: NodeJS.Timeout | null = null;
  let closed = false;
  // Files seen changing since the last load began; null: unknown, the loader checks every file.
  let changed: { files: Set<string>; listChanged: boolean } | null = null;

  async function attempt(): Promise<ReloadOutcome<S>> {
    const seen = changed;
    changed = { files: new Set(), listChanged: false };
    let result: LoadResult;
    try {
      result = await opts.load(opts.dir, seen ?? undefined);
    } catch (err) {
      result = { ok: false, problems: [ioProblem(opts.dir, err)] };
    }
    let outcome: ReloadOutcome<S>;
    if (!result.ok) {
      outcome = { ok: false, problems: result.problems };
    } else if (snapshot && result.config.hash === snapshot.hash) {
      outcome = { ok: true, snapshot, changed: false };
    } else {
      try {
        outcome = { ok: true, snapshot: await opts.compile(result.config), changed: true };
      } catch (err) {
        outcome = { ok: false, problems: [ioProblem(opts.dir, err)] };
      }
    }

    if (outcome.ok) {
      const previous = snapshot;
      snapshot = outcome.snapshot;
      status = { at: new Date(), successful: true, error: null };
      if (outcome.changed) {
        log.info({ hash: outcome.snapshot.hash, previous: previous?.hash }, 'config reloaded');
      } else {
        log.info({ hash: outcome.snapshot.hash }, 'config reloaded: unchanged');
      }
      try { opts.onSwap?.(outcome.snapshot, previous); } catch (err) { log.error({ err }, 'onSwap failed'); }
    } else {
      const problems = outcome.problems;
      status = { at: new Date(), successful: false, error: problems };
      log.error(
        { problems: problems.filter((p) => p.severity === 'error').slice(0, 20), serving: snapshot?.hash ?? null },
        'config reload failed: keeping the last good config',
      );
      try { opts.onError?.(problems); } catch (err) { log.error({ err }, 'onError failed'); }
    }
    return outcome;
  }

  function run(): Promise<ReloadOutcome<S>> {
    running = attempt().finally(() => { running = null; });
    return running;
  }

  function reload(): Promise<ReloadOutcome<S>> {
    if (!running) return run();
    // A change seen during a reload may have been missed by it: one more, however many asked.
    queued ??= running.then(() => { queued = null; return run(); });
    return queued;
  }

  /** What a burst saw joins what was seen since the last load began; then one reload. */
  function onBurst(burst: ChangeBurst): void {
    if (closed) return;
    if (burst.changed && changed) {
      for (const f of burst.changed.files) changed.files.add(f);
      changed.listChanged ||= burst.changed.listChanged;
    } else {
      changed = null;
    }
    if (burst.missed) log.warn({ why: burst.missed }, 'profiles watcher restarted: checking every file');
    else log.info({ events: burst.events, paths: burst.paths }, 'profiles changed');
    void reload();
  }

  return {
    current: () => snapshot,
    status: () => status,
    reload() {
      changed = null; // asked for by hand: check every file
      return reload();
    },
    async start() {
      if (watcher) return;
      watcher = await (opts.watch ?? watchTree)(opts.dir, onBurst, {
        debounceMs,
        onError: (err) => log.warn({ err }, 'profiles watcher error'),
      });
      if (opts.settleMs !== undefined) {
        settle = setTimeout(() => {
          settle = null;
          changed = null;
          void reload();
        }, opts.settleMs);
        settle.unref();
      }
    },
    async close() {
      closed = true;
      if (settle) clearTimeout(settle);
      settle = null;
      const w = watcher;
      watcher = null;
      await w?.close();
      await (queued ?? running)?.catch(() => undefined);
    },
  };
}

/**
 * Watches `dir` with chokidar and reports each burst of events once `debounceMs` passed without
 * one, with the files they named when each event names one file of the directory.
 */
export async function watchTree(dir: string, onBurst: (burst: ChangeBurst) => void, opts: WatchOptions): Promise<TreeWatcher> {
  const absDir = resolve(dir);
  // A file saved over and over within one burst is named once.
  const fresh = (): { events: number; paths: string[]; changed: { files: Set<string>; listChanged: boolean } | null } =>
    ({ events: 0, paths: [], changed: { files: new Set(), listChanged: false } });
  let burst = fresh();
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  /** A file event names the one file it touched; anything else (directories, symlink swaps, paths outside the directory) could touch any file. */
  function note(event: string, path: string): void {
    const abs = resolve(path);
    const isFileEvent = event === 'add' || event === 'change' || event === 'unlink';
    if (burst.changed && isFileEvent && abs.startsWith(absDir + sep)) {
      burst.changed.files.add(abs);
      burst.changed.listChanged ||= event !== 'change';
    } else {
      burst.changed = null;
    }
  }

  function schedule(event: string, path: string): void {
    if (closed) return;
    note(event, path);
    burst.events++;
    if (burst.paths.length < 5) burst.paths.push(`${event} ${path}`);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      const { events, paths, changed } = burst;
      burst = fresh();
      onBurst({ events, paths, changed: changed && { files: [...changed.files], listChanged: changed.listChanged } });
    }, opts.debounceMs);
  }

  const watcher: FSWatcher = watch(dir, {
    ignoreInitial: true,
    // Editors save by writing a temp file and renaming it over; Kubernetes swaps a `..data`
    // symlink to a new timestamped directory. Following symlinks and reacting to every
    // add/change/unlink of files and directories covers both.
    followSymlinks: true,
    atomic: true,
    persistent: true,
  });
  for (const event of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) {
    watcher.on(event, (path: string) => schedule(event, path));
  }
  watcher.on('error', (err) => opts.onError(err instanceof Error ? err : new Error(String(err))));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await watcher.close();
    },
  };
}
