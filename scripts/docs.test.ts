import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { describeCodes } from '../router/config/codes.ts';
import { ROUTER_ENV_VARS } from '../router/env-vars.ts';
import { describeLintCodes } from '../router/lint/codes.ts';
import { cell, describeMetrics, readBlock, syncDocs, writeBlock } from './lib/docs-tables.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

let tmp: string | undefined;
afterEach(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

/** A copy of the repository's docs/ in a temporary root. */
async function copyDocs(): Promise<string> {
  tmp = await mkdtemp(join(tmpdir(), 'leadroute-docs-'));
  await cp(join(ROOT, 'docs'), join(tmp, 'docs'), { recursive: true });
  return tmp;
}

describe('generated docs tables', () => {
  it('the committed tables are the generated ones (after adding an env var, code or metric, run npm run docs)', async () => {
    expect(await syncDocs(ROOT, { write: false })).toEqual([]);
  });

  it('every problem code, lint code, env var and metric has its row', async () => {
    const commands = await readFile(join(ROOT, 'docs/commands.md'), 'utf8');
    const operations = await readFile(join(ROOT, 'docs/operations.md'), 'utf8');
    const rows = (text: string, name: string) => readBlock(text, name)!.split('\n').slice(2).map((r) => r.split(' | ')[0]);
    expect(rows(commands, 'problem-codes')).toEqual(describeCodes().map((c) => `| \`${c.code}\``));
    expect(rows(commands, 'lint-codes')).toEqual(describeLintCodes().map((c) => `| \`${c.code}\``));
    expect(rows(operations, 'env')).toEqual(ROUTER_ENV_VARS.map((v) => `| \`${v.name}\``));
    const metrics = await describeMetrics();
    expect(rows(operations, 'metrics')).toEqual(metrics.map((m) => `| \`${m.name}\``));
  });

  it('reads metrics from the registries the code builds: names, types and labels', async () => {
    const metrics = await describeMetrics();
    expect(metrics).toContainEqual(expect.objectContaining({ name: 'deliveries_total', type: 'counter', labels: ['partner', 'channel', 'outcome'] }));
    expect(metrics).toContainEqual(expect.objectContaining({ name: 'http_request_duration_seconds', type: 'histogram' }));
    expect(metrics).toContainEqual(expect.objectContaining({ name: 'delivery_queue_depth', type: 'gauge', labels: [] }));
    expect(metrics.find((m) => m.name === 'leads_received_total')?.help).toMatch(/\S/);
  });

  it('finds a stale table, and npm run docs rewrites it to the generated one', async () => {
    const root = await copyDocs();
    const path = join(root, 'docs/operations.md');
    const original = await readFile(path, 'utf8');
    const stale = writeBlock(original, 'env', readBlock(original, 'env')!.split('\n').slice(0, -1).join('\n'));
    await writeFile(path, stale);

    expect(await syncDocs(root, { write: false })).toEqual([{ file: 'docs/operations.md', name: 'env', problem: 'differs' }]);
    expect(await readFile(path, 'utf8')).toBe(stale);

    await syncDocs(root, { write: true });
    expect(await readFile(path, 'utf8')).toBe(original);
    expect(await syncDocs(root, { write: false })).toEqual([]);
  });

  it('reports a table whose markers are missing', async () => {
    const root = await copyDocs();
    const path = join(root, 'docs/commands.md');
    await writeFile(path, (await readFile(path, 'utf8')).replace('<!-- generated:lint-codes:end -->', ''));
    expect(await syncDocs(root, { write: true })).toEqual([{ file: 'docs/commands.md', name: 'lint-codes', problem: 'markers missing' }]);
  });

  it('npm run docs -- --check exits 1 and names the table that differs', async () => {
    const root = await copyDocs();
    const path = join(root, 'docs/commands.md');
    await writeFile(path, (await readFile(path, 'utf8')).replace('| `NO_FILES` |', '| `NO_FILE` |'));
    const failed = await run(process.execPath, ['--import', 'tsx', 'scripts/docs.ts', '--check', '--root', root], { cwd: ROOT }).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect('code' in failed && failed.code).toBe(1);
    expect(failed.stderr).toContain('docs/commands.md: generated:problem-codes: differs');
  });

  it('escapes table cells: pipes everywhere, emphasis and HTML outside code spans', () => {
    expect(cell('a | b *c* <d> `x|y*`')).toBe('a \\| b \\*c\\* &lt;d> `x\\|y*`');
  });
});
