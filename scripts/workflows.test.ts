// The GitHub workflows are part of the product: teams copy them. Check they run what the README
// promises, in the order that makes a failure readable (validate, then tests, then the report).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Step { name?: string; run?: string; if?: string; uses?: string; with?: Record<string, unknown> }
interface Workflow { on: Record<string, unknown>; jobs: Record<string, { steps: Step[]; strategy?: { matrix?: { node?: number[] } } }> }

const load = (file: string) => parse(readFileSync(new URL(`../.github/workflows/${file}`, import.meta.url), 'utf8')) as Workflow;
const runs = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps.map((s) => s.run ?? '').filter(Boolean));
const indexOf = (lines: string[], re: RegExp) => lines.findIndex((l) => re.test(l));

describe('.github/workflows', () => {
  it('ci.yml: on push and pull request, npm ci, validate, test, on Node 20 and 22', () => {
    const w = load('ci.yml');
    expect(Object.keys(w.on).sort()).toEqual(['pull_request', 'push']);
    expect(w.jobs.test.strategy?.matrix?.node).toEqual([20, 22]);
    const lines = runs(w);
    const order = [/^npm ci$/, /^npm run validate$/, /^npm test$/].map((re) => indexOf(lines, re));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('profiles.yml: validate, routing tests, then the routing diff of a pull request into the job summary', () => {
    const w = load('profiles.yml');
    const steps = Object.values(w.jobs).flatMap((j) => j.steps);
    const lines = runs(w);
    const order = [/^npm ci$/, /^npm run validate$/, /^npm run test:routing$/, /diff:routing -- --base /].map((re) => indexOf(lines, re));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const diff = steps.find((s) => s.run?.includes('diff:routing'))!;
    expect(diff.if).toContain("github.event_name == 'pull_request'");
    expect(diff.run).toContain('>> "$GITHUB_STEP_SUMMARY"');
    // diff:routing reads the base revision from git: the checkout must have the history.
    expect(steps.find((s) => s.uses?.startsWith('actions/checkout'))?.with?.['fetch-depth']).toBe(0);
  });
});
