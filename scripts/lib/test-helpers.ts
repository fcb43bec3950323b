// Test helpers for the authoring commands: small profile trees in a temp directory, an in-memory
// Out that records what a command printed, and where a piece of text sits in a file.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeFiles } from '../../router/testing/files.ts';
import type { Out } from './load-profiles.ts';

export const ENTITY = `kind: Entity
id: mortgage
timezone: America/New_York
fields:
  email: { type: string, required: true }
  state: { type: string, required: true }
  zip: { type: string }
  ssn: { type: string, encrypted: true }
`;

/** acme (no account caps), northwind (account-wide day cap 100). */
export const PARTNERS = `kind: Partner
id: acme
name: Acme Mortgage
delivery: { webhook: { url: "https://hooks.acme.example/leads" } }
---
kind: Partner
id: northwind
name: Northwind Loans
caps: { day: 100 }
delivery: { email: { to: [leads@northwind.example] } }
`;

/** East: acme (priority 10, day cap 50 here, zip 1…) else northwind. */
export const EAST = `kind: Profile
id: east
entity: mortgage
name: East
rules:
  - { field: state, in: [NY, NJ] }
partners:
  - { partner: acme, priority: 10, caps: { day: 50 }, rules: [ { field: zip, startsWith: "1" } ] }
  - { partner: northwind, priority: 5 }
`;

export interface Tree {
  dir: string;
  file(rel: string): string;
  cleanup(): Promise<void>;
}

export async function writeTree(files: Record<string, string>, root?: string): Promise<Tree> {
  const dir = root ?? (await mkdtemp(path.join(tmpdir(), 'leadroute-tree-')));
  await writeFiles(dir, files);
  return { dir, file: (rel) => path.join(dir, rel), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** 1-based line of the first occurrence of `needle` in `text`. */
export function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`'${needle}' not in text`);
  return text.slice(0, i).split('\n').length;
}

export function capture(): Out & { stdout: string[]; stderr: string[]; text(): string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => stdout.push(l),
    err: (l) => stderr.push(l),
    text: () => [...stdout, ...stderr].join('\n'),
  };
}
