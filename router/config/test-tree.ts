// Test helpers: small profile trees in a temp directory, and where a piece of text sits in a file
// (so a test states "the problem points at `prioirty`" and checks the exact line:col).
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFiles } from '../testing/files.ts';
import { loadConfig } from './load.ts';
import type { LoadResult } from './types.ts';

export const ENTITY = `kind: Entity
id: mortgage
timezone: America/New_York
fields:
  email: { type: string, required: true }
  state: { type: string, required: true }
  zip: { type: string }
  loanAmount: { type: number }
  age: { type: integer }
  veteran: { type: boolean }
  status: { type: string, enum: [New, Contacted] }
  ssn: { type: string, encrypted: true }
  address: { type: object, fields: { city: { type: string }, postcode: { type: string } } }
  meta: { type: object }
`;

export const PARTNERS = `kind: Partner
id: acme
name: Acme Mortgage
timezone: America/Los_Angeles
delivery:
  webhook:
    url: https://hooks.acme.example/leads
    headers: { Authorization: "Bearer \${ACME_TOKEN}" }
---
kind: Partner
id: northwind
name: Northwind Loans
delivery:
  email:
    to: [leads@northwind.example]
    subject: "New {{state}} lead"
`;

export const PROFILE = `kind: Profile
id: residential
entity: mortgage
name: Residential
rules:
  - { field: status, equals: New }
partners:
  - partner: acme
    priority: 10
  - partner: northwind
`;

export const BASE: Record<string, string> = {
  'entities/mortgage.yaml': ENTITY,
  'partners.yaml': PARTNERS,
  'profiles/residential.yaml': PROFILE,
};

export interface Tree {
  /** The temp directory that holds the tree (the cwd problems are relative to). */
  root: string;
  /** The profiles directory inside it: `<root>/p`. */
  dir: string;
  load(): Promise<LoadResult>;
  cleanup(): Promise<void>;
}

/** Writes `files` (paths relative to the profiles dir; null removes a base file) under a new temp dir. */
export async function writeTree(files: Record<string, string | null>, base: Record<string, string> = BASE): Promise<Tree> {
  const root = await mkdtemp(join(tmpdir(), 'leadroute-config-'));
  const dir = join(root, 'p');
  await mkdir(dir);
  await writeFiles(dir, { ...base, ...files });
  return {
    root,
    dir,
    load: () => loadConfig('p', { cwd: root }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** Loads a tree made of BASE plus `files` and removes it again. */
export async function loadTree(files: Record<string, string | null>, base?: Record<string, string>): Promise<LoadResult> {
  const tree = await writeTree(files, base);
  try {
    return await tree.load();
  } finally {
    await tree.cleanup();
  }
}

/**
 * 1-based line:col of `target` in `text`; with `after`, of the first `target` after the first
 * `after` (to pick one of several occurrences).
 */
export function posOf(text: string, target: string, after?: string): { line: number; col: number } {
  const from = after === undefined ? 0 : text.indexOf(after);
  if (from < 0) throw new Error(`posOf: ${JSON.stringify(after)} not found`);
  const offset = text.indexOf(target, from);
  if (offset < 0) throw new Error(`posOf: ${JSON.stringify(target)} not found`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}
