// js-yaml (the values) must never disagree with `yaml` (errors and positions): when readYamlValues
// returns values, `yaml` reads the same text without error or warning and produces equal values.
// Checked on every YAML file of the repository, on a generated tree, on tricky snippets and on
// thousands of random mutations.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { prng } from '../testing/prng.ts';
import { readYamlValues } from './yaml-values.ts';
import { BASE } from './test-tree.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** yaml's reading of `text`: values, or null when it reports any error or warning. */
function slow(text: string): unknown[] | null {
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  if (!Array.isArray(docs)) return [];
  if (docs.some((d) => d.errors.length > 0 || d.warnings.length > 0)) return null;
  return docs.map((d) => d.toJS());
}

/** A disagreement, or null when js-yaml declined or the two agreed. */
function disagreement(text: string): string | null {
  const fast = readYamlValues(text);
  if (fast === null) return null;
  const expected = slow(text);
  if (expected === null) return `js-yaml accepted text that yaml rejects: ${JSON.stringify(text)}`;
  if (!isDeepStrictEqual(fast, expected)) return `values differ for ${JSON.stringify(text)}: fast ${JSON.stringify(fast)} yaml ${JSON.stringify(expected)}`;
  return null;
}

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && !e.parentPath.includes('node_modules'))
    .map((e) => join(e.parentPath, e.name));
}

describe('readYamlValues (js-yaml) against yaml', () => {
  it('agrees with yaml on every YAML file of the repository and reads the example profiles itself', () => {
    const files = [...yamlFilesUnder(join(REPO, 'profiles')), ...yamlFilesUnder(join(REPO, 'schema')), ...yamlFilesUnder(join(REPO, '.github'))];
    expect(files.length).toBeGreaterThan(10);
    let handled = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(disagreement(text), file).toBeNull();
      if (readYamlValues(text) !== null) handled++;
    }
    // Multi-line flow collections (routing tests) and `{{…}}` in block scalars are left to yaml.
    expect(handled).toBeGreaterThan(files.length / 2);
    for (const text of Object.values(BASE)) expect(readYamlValues(text)).not.toBeNull();
  });

  it('agrees with yaml on a generated tree, reading every file itself', async () => {
    const { generateProfileTree } = await import('../../bench/config-scale.ts');
    const dir = await mkdtemp(join(tmpdir(), 'leadroute-yaml-values-'));
    try {
      await generateProfileTree(dir, { profiles: 60 });
      const entries = await readdir(dir, { recursive: true, withFileTypes: true });
      const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
      for (const file of files) {
        const text = await readFile(file, 'utf8');
        expect(readYamlValues(text), file).not.toBeNull();
        expect(disagreement(text), file).toBeNull();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  const READ = [
    'a: 1\nb: -2.5\nc: 0x1F\nd: 0o17\ne: 1e3\nf: .inf\ng: -.Inf\nh: .nan\ni: ~\nj: null\nk: TRUE\nl: false\nm: yes\nn: 1_000\no: +12\np: 012\nq: 1.\nr: .5\n',
    'name: a # comment\nurl: http://x.example/a#frag\nlist: [a, "b, c", \'d\'\'e\', 1, true, ~]\n',
    'a:\n  b:\n    - x\n    - { k: v, n: [1, 2, [3]] }\n    -\n      deep: 1\n  c: []\n  d: {}\n',
    'partners:\n- partner: acme\n  rules:\n  - { field: zip, startsWith: "90" }\n- partner: b\n',
    '# leading comment\n---\nkind: A\n---\nkind: B\n# trailing\n',
    'key   : spaced\n"quoted key": 1\n\'single\': 2\ntext: "esc \\" \\\\ \\n \\t \\u00e9"\nempty: ""\nnothing:\n',
    'a: b c  d\ne: x:y\nf: -x\ng: ?x\nh: a#b\ni: [ a b , c ]\nj: { "x": 1, y: "2" }\n',
    '- a\n- b\n',
    'a: 2000-01-01\nb: 12:30\nc: 1.2.3\nd: 0xZZ\ne: .5e3\nf: 5e\n',
    'a: |\n  line one\n   indented\n\n  three\nb: >-\n  folded\n  text\n\n  para\nc: |+\n  keep\n\nd: x\n',
    'a: [1,\n  2, { b: c,\n  d: e }]\nq: "multi\n  line\n\n  para"\nr: \'single\n\n  para\'\ns: plain\n  continued\n  more\n',
    'kind: Partner\nid: p\ndelivery:\n  webhook:\n    url: "https://x.example/?a=1&b=2"\n    headers: { Authorization: "Bearer ${TOKEN}" }\n    body: |\n      {"email": "{{email}}"}\n',
    'a: 1\r\nb: [x, y]\r\n',
    'a:\n  - x\n   - y\n',
  ];

  it.each(READ.map((t) => [t]))('agrees on %j', (text) => {
    expect(disagreement(text)).toBeNull();
  });

  it('reads the common shapes itself', () => {
    for (const text of [READ[1], READ[3], READ[4], READ[5], READ[9], READ[12]]) expect(readYamlValues(text), text).not.toBeNull();
  });

  it('leaves to yaml what the two read differently, and every error', () => {
    const declined = [
      // read differently, or accepted by js-yaml only
      'a: &x 1\nb: *x\n', 'a: *x\n', 'a: !tag x\n', 'a: !!int "2"\n', '{ &k a: 1 }\n', '%YAML 1.1\n---\nm: yes\n', 'a: 1\n...\n',
      '...\n- a\n', 'a: "x\ry"\n', 'a: "x \\\n\n  y"\n', ': empty key\n', 'null: x\n', '~: x\n', '{ a: 1, : 2 }\n', '__proto__: x\n',
      // errors: yaml gives the message and the position
      'a: 1\na: 2\n', 'a:\n\t- x\n', 'a: b: c\n', 'a: "unterminated\n', 'a: { b: 1 }x\n', '--- a: 1\n  b: 2\n',
    ];
    for (const text of declined) expect(readYamlValues(text), JSON.stringify(text)).toBeNull();
  });

  it('never disagrees with yaml on random mutations of real documents', () => {
    const rnd = prng(42);
    const alphabet = [
      ' ', ' ', ':', '-', '#', '"', "'", '{', '}', '[', ']', ',', '\n', 'a', '1', '.', '!', '&', '*', '|', '>', '?', '~', '\\', '0x', 'e', 'null', 'true', '  ', '- ', ': ',
      '\t', '\r', '\r\n', '%', '---\n', '...\n', '<<: ', '!!str ', '&a ', '*a', '|-\n', '>+\n', 'é', '\u00a0',
    ];
    const bases = [...Object.values(BASE), ...READ];
    const failures: string[] = [];
    let read = 0;
    for (let n = 0; n < 8000 && failures.length < 5; n++) {
      let text = bases[Math.floor(rnd() * bases.length)];
      const edits = 1 + Math.floor(rnd() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rnd() * (text.length + 1));
        const kind = rnd();
        const piece = alphabet[Math.floor(rnd() * alphabet.length)];
        text = kind < 0.4 ? text.slice(0, at) + piece + text.slice(at)
          : kind < 0.7 ? text.slice(0, at) + text.slice(at + 1)
          : text.slice(0, at) + piece + text.slice(at + piece.length);
      }
      if (readYamlValues(text) !== null) read++;
      const problem = disagreement(text);
      if (problem !== null) failures.push(problem);
    }
    expect(failures).toEqual([]);
    // Most mutations still read: the comparison is not vacuous.
    expect(read).toBeGreaterThan(2000);
  });
});
