// The one loader: used by the router, the validator and the routing tests, so what CI accepts is
// exactly what the router loads. Files -> YAML documents with positions -> JSON Schema (with
// defaults) -> semantic checks -> a deeply frozen Config, or the problems. Anything unreadable is
// a problem, never an empty config.
//
// A ConfigLoader keeps each file's work (parse, schema check, per-document checks) keyed by its
// content, so a reload redoes only the files that changed, and looks only at the files a watcher
// names (when it can name them); the checks across files (duplicate ids, partner settings against
// the profiles that use them) run on the whole tree every time. In a changed file, each document
// keeps, as the same objects, the parts that did not change (share.ts). The result equals a fresh
// load's (load-cache.test.ts checks that on random edits, watch-load.test.ts with a real watcher).
// Work is done in slices that yield to the event loop, so a reload on the request thread delays
// requests by one slice at most.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { CHECKS } from './checks/index.ts';
import { sameContent, stampOf, TRUSTED_STAMP_AGE_MS } from './file-stamp.ts';
import { deepFreeze } from './freeze.ts';
import { parseYamlFile } from './parse.ts';
import { hasErrors, problem, sortProblems } from './problems.ts';
import { readYamlTree, toPosix, type YamlTree } from './read-tree.ts';
import { validateAgainstSchema } from './schema.ts';
import { schemaProblems } from './schema-errors.ts';
import { shareUnchanged } from './share.ts';
import type { LocatedDoc } from './source.ts';
import type { Config, Entity, LoadResult, Partner, Problem, Profile, RoutingTest, SourceDoc } from './types.ts';

export interface LoadOptions {
  /** Problems name files relative to this directory (default: process.cwd()). */
  cwd?: string;
  /**
   * Absolute paths that may have changed since this loader's previous load began (a file
   * watcher's events). Files not named are taken as they were without a stat; new files are read.
   * Unset: every file is checked.
   */
  changed?: ReadonlySet<string>;
  /**
   * With `changed`: false when the watcher saw no file or directory added or removed, so the list
   * of files is the previous load's (unless a directory symlink is involved).
   */
  listChanged?: boolean;
}

/** Schema keywords about one value: a semantic check at the same node says it better. */
const VALUE_KEYWORD_CODES = new Set(['SCHEMA_TYPE', 'SCHEMA_PATTERN', 'SCHEMA_FORMAT', 'SCHEMA_MIN_LENGTH', 'SCHEMA_MINIMUM', 'SCHEMA_EXCLUSIVE_MINIMUM', 'SCHEMA_MULTIPLE_OF']);

/** One file's work, valid while its name and content stay the same. */
interface FileWork {
  shown: string;
  /** Path relative to the loaded directory, posix: the file's part of the tree hash. */
  rel: string;
  content: Buffer | NodeJS.ErrnoException;
  /** sha256 of the content (empty when unreadable): the tree hash combines these, not 6 MB of text. */
  digest: string;
  /** The file's identity and times when read (inode, size, mtime and ctime in ns): unchanged, it is not read again. */
  stamp?: string;
  docs: LocatedDoc[];
  /** Parse problems, then schema problems. */
  parseProblems: Problem[];
  schemaProblems: Problem[];
  /** Problems of each per-document check (by index in CHECKS); undefined until checked. */
  perDocument: Problem[][] | undefined;
  /** Whether the file holds an Entity or a Partner: other files' checks depend on it. */
  context: boolean;
}

export interface ConfigLoader {
  load(dir: string, opts?: LoadOptions): Promise<LoadResult>;
}

/** A load with nothing kept: the validator, the tools and the first load of the router. */
export async function loadConfig(dir: string, opts: LoadOptions = {}): Promise<LoadResult> {
  return createConfigLoader().load(dir, opts);
}

/** Longest stretch of work between two yields to the event loop. */
const SLICE_MS = 8;

export interface ConfigLoaderOptions {
  /** How long ago a file must have changed before its stamp is trusted (default 3 s; see TRUSTED_STAMP_AGE_MS). */
  trustedStampAgeMs?: number;
}

export function createConfigLoader(opts: ConfigLoaderOptions = {}): ConfigLoader {
  const trustedAgeMs = opts.trustedStampAgeMs ?? TRUSTED_STAMP_AGE_MS;
  let cache = new Map<string, FileWork>();
  let cacheBase = '';
  /** The cache holds what the previous load saw (false when it stopped early): only then do `changed` hints apply. */
  let synced = false;
  let previousTree: (YamlTree & { root: string }) | undefined;
  let sliceStart = performance.now();
  /** Yields to the event loop once SLICE_MS of work has passed; a no-op (no await) otherwise. */
  const breathe = (): Promise<void> | undefined => {
    if (performance.now() - sliceStart < SLICE_MS) return undefined;
    return new Promise<void>((r) => setImmediate(r)).then(() => {
      sliceStart = performance.now();
    });
  };

  return {
    async load(dir, loadOpts = {}) {
      sliceStart = performance.now();
      const hinted = synced ? loadOpts.changed : undefined;
      synced = false;
      const cwd = loadOpts.cwd ?? process.cwd();
      const absDir = resolve(cwd, dir);
      const shown = (abs: string) => toPosix(relative(cwd, abs)) || '.';
      const dirProblem = (message: string, code: 'READ_ERROR' | 'NO_FILES') =>
        ({ ok: false, problems: [problem(code, { file: shown(absDir), line: 0, col: 0 }, message)] }) as const;

      const info = await stat(absDir).catch((err: NodeJS.ErrnoException) => err);
      if (info instanceof Error) return dirProblem(`cannot read directory: ${info.code ?? info.message}`, 'READ_ERROR');
      if (!info.isDirectory()) return dirProblem('not a directory', 'READ_ERROR');

      let tree: YamlTree;
      let root: string;
      try {
        root = await realpath(absDir);
        // Only changes to known files, and no directory symlink that could have been swapped: the same files.
        const kept = hinted && loadOpts.listChanged === false && previousTree?.root === root && previousTree.linkedDirs === 0;
        tree = kept ? previousTree! : await readYamlTree(absDir, root);
      } catch (err) {
        return dirProblem(`cannot list directory: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'READ_ERROR');
      }
      const files = tree.files;
      if (files.length === 0) return dirProblem('no *.yaml or *.yml files found', 'NO_FILES');

      // Names and work of files kept from a load of another directory, or with another cwd, are not reused.
      const base = `${cwd}\0${absDir}`;
      if (base !== cacheBase) cache = new Map();
      cacheBase = base;
      // A swapped directory symlink (git-sync's `current`) changes files no event names.
      const hints = hinted && tree.realDirs === previousTree?.realDirs ? hinted : undefined;
      previousTree = { ...tree, root };

      // Read synchronously: for many small local files it is four times faster than fs/promises.
      const names: string[] = []; // each file's path and digest, hashed at once
      const next = new Map<string, FileWork>();
      let contextChanged = cache.size === 0;
      for (const abs of files) {
        const old = cache.get(abs);
        let work: FileWork;
        // A file the watcher saw no change to, whose stamp was trusted when read, and that is not a
        // symlink (whose target can change under another name) is as it was: no stat. Otherwise a
        // file whose inode, size and times are as when it was read holds what it held: one stat,
        // not open, read and close.
        const stamp = old?.stamp !== undefined && hints && !hints.has(abs) && !tree.links.has(abs) ? old.stamp : stampOf(abs, trustedAgeMs);
        if (old && stamp !== undefined && old.stamp === stamp && !(old.content instanceof Error)) {
          work = old;
        } else {
          let content: Buffer | NodeJS.ErrnoException;
          try {
            content = readFileSync(abs);
          } catch (err) {
            content = err as NodeJS.ErrnoException;
          }
          if (old && sameContent(old.content, content)) {
            work = { ...old, stamp };
          } else {
            work = { ...readFile(old?.shown ?? shown(abs), content, old?.docs), rel: old?.rel ?? toPosix(relative(absDir, abs)), stamp };
            contextChanged ||= work.context || (old?.context ?? false);
          }
        }
        names.push(work.rel, work.digest);
        next.set(abs, work);
        const pause = breathe();
        if (pause) await pause;
      }
      for (const [abs, old] of cache) if (!next.has(abs) && old.context) contextChanged = true;
      cache = next;
      synced = true;

      const works = [...next.values()];
      const docs = works.flatMap((w) => w.docs);
      await runPerDocument(contextChanged ? works : works.filter((w) => w.context || w.perDocument === undefined), docs, breathe);
      const semantic: Problem[] = [];
      for (let ci = 0; ci < CHECKS.length; ci++) {
        const check = CHECKS[ci];
        if (check.scope === 'document') {
          for (const w of works) if (w.perDocument![ci].length) semantic.push(...w.perDocument![ci]);
        } else {
          semantic.push(...check.run(docs));
          await breathe();
        }
      }

      const problems: Problem[] = works.flatMap((w) => w.parseProblems);
      const semanticAt = new Set(semantic.map((p) => `${p.file}:${p.line}:${p.col}`));
      for (const w of works) {
        if (w.schemaProblems.length) problems.push(...w.schemaProblems.filter((p) => !(VALUE_KEYWORD_CODES.has(p.code) && semanticAt.has(`${p.file}:${p.line}:${p.col}`))));
      }
      problems.push(...semantic);

      const sorted = sortProblems(problems);
      if (hasErrors(sorted)) return { ok: false, problems: sorted };
      const hash = createHash('sha256').update(names.join('\0')).digest('hex');
      return { ok: true, config: buildConfig(docs, hash, absDir), problems: sorted };
    },
  };
}

/**
 * Parses one file and checks each document against the schema (which fills in defaults). Each
 * document shares with the file's `previous` document at its place what did not change (share.ts).
 */
function readFile(file: string, content: Buffer | NodeJS.ErrnoException, previous: readonly LocatedDoc[] = []): Omit<FileWork, 'rel'> {
  if (content instanceof Error) {
    const p = problem('READ_ERROR', { file, line: 1, col: 1 }, `cannot read file: ${content.code ?? content.message}`);
    return { shown: file, content, digest: '', docs: [], parseProblems: [p], schemaProblems: [], perDocument: undefined, context: false };
  }
  const parsed = parseYamlFile(file, content.toString('utf8').replace(/^\uFEFF/, ''));
  const found: Problem[] = [];
  for (const doc of parsed.docs) {
    const errors = validateAgainstSchema(doc.value);
    if (errors.length > 0) found.push(...schemaProblems(errors, doc));
  }
  // Frozen file by file (after the schema filled in defaults): freezing a whole new tree at the
  // end would be one unbroken stretch of tens of milliseconds.
  const docs = parsed.docs.map((doc, i) => {
    const before = previous[i];
    const value = before?.kind === doc.kind ? shareUnchanged(doc.value, before.value) : doc.value;
    deepFreeze(value);
    return value === doc.value ? doc : { ...doc, value };
  });
  const context = parsed.docs.some((d) => d.kind === 'Entity' || d.kind === 'Partner');
  const digest = createHash('sha256').update(content).digest('hex');
  return { shown: file, content, digest, docs, parseProblems: parsed.problems, schemaProblems: found, perDocument: undefined, context };
}

/** Files checked by one call of a per-document check: bounds a slice (a few ms), amortises a call's setup. */
const FILES_PER_CALL = 32;

/**
 * Runs the per-document checks for `stale` files (those not checked yet, or every file when an
 * Entity or Partner changed), a few files per call, with the Entity and Partner documents as
 * context. Files holding those are checked again each time (they are few).
 */
async function runPerDocument(stale: readonly FileWork[], docs: readonly SourceDoc[], breathe: () => Promise<void> | undefined) {
  const context = docs.filter((d) => d.kind === 'Entity' || d.kind === 'Partner');
  for (let i = 0; i < stale.length; i += FILES_PER_CALL) {
    const batch = stale.slice(i, i + FILES_PER_CALL);
    const batchDocs = [...new Set([...context, ...batch.flatMap((w) => w.docs)])];
    // Kept aside until the batch is done: a file's work is either complete or absent.
    const found = batch.map((): Problem[][] => []);
    for (let ci = 0; ci < CHECKS.length; ci++) {
      if (CHECKS[ci].scope !== 'document') continue;
      const byFile = new Map<string, Problem[]>(batch.map((w) => [w.shown, []]));
      for (const p of CHECKS[ci].run(batchDocs)) byFile.get(p.file)?.push(p);
      batch.forEach((w, k) => (found[k][ci] = byFile.get(w.shown)!));
      await breathe();
    }
    batch.forEach((w, k) => (w.perDocument = found[k]));
  }
}

function buildConfig(docs: readonly SourceDoc[], hash: string, dir: string): Config {
  const entities = new Map<string, Entity>();
  const partners = new Map<string, Partner>();
  const profiles: Profile[] = [];
  const routingTests: SourceDoc<RoutingTest>[] = [];
  // Tools get plain SourceDocs (kind, value, file, pos); keyPos stays internal.
  const publicDocs = docs.map((d): SourceDoc => ({ kind: d.kind, value: d.value, file: d.file, pos: d.pos }));
  for (const doc of publicDocs) {
    switch (doc.kind) {
      case 'Entity': {
        const e = doc.value as Entity;
        entities.set(e.id, e);
        break;
      }
      case 'Partner': {
        const p = doc.value as Partner;
        partners.set(p.id, p);
        break;
      }
      case 'Profile':
        profiles.push(doc.value as Profile);
        break;
      case 'RoutingTest':
        routingTests.push(doc as SourceDoc<RoutingTest>);
        break;
    }
  }
  return deepFreeze({ entities, partners, profiles, routingTests, docs: publicDocs, hash, dir });
}
