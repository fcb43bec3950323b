import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSamples, parseSamples } from './samples.ts';

describe('parseSamples', () => {
  it('reads the three line forms and skips blank lines', () => {
    const text = [
      '{"entity": "solar", "lead": {"email": "a@example.com"}, "name": "roof"}',
      '',
      '{"entity": "solar", "email": "b@example.com"}',
      '  {"email": "c@example.com"}',
    ].join('\n');
    const { samples, problems } = parseSamples(text, 'samples/mortgage.jsonl');
    expect(problems).toEqual([]);
    expect(samples).toEqual([
      { entity: 'solar', lead: { email: 'a@example.com' }, at: { file: 'samples/mortgage.jsonl', line: 1, col: 1 }, label: 'samples/mortgage.jsonl:1 (roof)' },
      { entity: 'solar', lead: { email: 'b@example.com' }, at: { file: 'samples/mortgage.jsonl', line: 3, col: 1 }, label: 'samples/mortgage.jsonl:3' },
      { entity: 'mortgage', lead: { email: 'c@example.com' }, at: { file: 'samples/mortgage.jsonl', line: 4, col: 3 }, label: 'samples/mortgage.jsonl:4' },
    ]);
  });

  it('keeps a lead field named `lead` when the line is not the wrapper form', () => {
    const { samples } = parseSamples('{"entity": "x", "lead": {"a": 1}, "email": "e"}', 'x.jsonl');
    expect(samples[0].lead).toEqual({ lead: { a: 1 }, email: 'e' });
  });

  it('reports bad lines with their line number and keeps the good ones', () => {
    const { samples, problems } = parseSamples('{"email": "a"}\n{oops\n[1]\n{"entity": 3}', 'm.jsonl');
    expect(samples).toHaveLength(1);
    expect(problems.map((p) => [p.code, p.severity, p.line])).toEqual([
      ['SAMPLE_INVALID', 'warning', 2],
      ['SAMPLE_INVALID', 'warning', 3],
      ['SAMPLE_INVALID', 'warning', 4],
    ]);
  });
});

describe('loadSamples', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads samples/*.jsonl in name order, paths relative to cwd; no samples folder is fine', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'samples-'));
    expect(await loadSamples(dir)).toEqual({ samples: [], problems: [] });
    await mkdir(path.join(dir, 'samples'));
    await writeFile(path.join(dir, 'samples', 'b.jsonl'), '{"x": 2}\n');
    await writeFile(path.join(dir, 'samples', 'a.jsonl'), '{"x": 1}\n');
    await writeFile(path.join(dir, 'samples', 'notes.txt'), 'ignored');
    const { samples } = await loadSamples(dir, { cwd: dir });
    expect(samples.map((s) => [s.entity, s.label])).toEqual([
      ['a', path.join('samples', 'a.jsonl') + ':1'],
      ['b', path.join('samples', 'b.jsonl') + ':1'],
    ]);
  });
});
