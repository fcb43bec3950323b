// What `npm run test:routing` prints: PASS/FAIL per case, an expected-vs-actual diff and the
// decision trace for each failure, a summary line; GitHub annotations on failing cases on request.
import { formatOutcome, formatRoutes, formatTrace } from '../../router/lint/format-trace.ts';
import { annotation } from './github.ts';
import type { CaseResult, RouteRef } from './routing-tests.ts';

function sameSet(a: readonly RouteRef[], b: readonly RouteRef[]): boolean {
  const key = (r: RouteRef) => `${r.profile}/${r.partner}`;
  return a.length === b.length && [...a].map(key).sort().join() === [...b].map(key).sort().join();
}

/** The lines under a FAIL: the diff, then why (the trace), or the reasons the case could not run. */
export function failureDetails(r: CaseResult): string[] {
  if (r.status === 'pass') return [];
  if (r.status === 'error') return r.errors.map((e) => `    ${e}`);
  const lines = [
    `    - expected: ${r.expected === 'unmatched' ? 'unmatched' : formatRoutes(r.expected)}`,
    `    + actual:   ${formatRoutes(r.actual)}`,
  ];
  if (r.expected !== 'unmatched' && sameSet(r.expected, r.actual)) {
    lines.push('    (the same routes in another order: list them in the order shown under actual)');
  }
  lines.push(`    why: ${formatOutcome(r.decision)}`, ...formatTrace(r.decision.trace, '      '));
  return lines;
}

export interface ReportOptions {
  github: boolean;
}

export function formatResults(results: readonly CaseResult[], opts: ReportOptions): string[] {
  const lines: string[] = [];
  let lastSuite = '';
  for (const r of results) {
    const suite = `${r.file} (${r.suite})`;
    if (suite !== lastSuite) {
      if (lastSuite) lines.push('');
      lines.push(suite);
      lastSuite = suite;
    }
    if (r.status === 'pass') {
      lines.push(`  PASS ${r.name}`);
      continue;
    }
    lines.push(`  FAIL ${r.name} (${r.at.file}:${r.at.line})`);
    const details = failureDetails(r);
    lines.push(...details);
    if (opts.github) {
      const message = [`${r.name}`, ...details.map((l) => l.trim())].join('\n');
      lines.push(annotation({ level: 'error', file: r.at.file, line: r.at.line, col: r.at.col, title: 'routing test failed', message }));
    }
  }
  if (lines.length) lines.push('');
  lines.push(summary(results));
  return lines;
}

export function summary(results: readonly CaseResult[]): string {
  const failed = results.filter((r) => r.status !== 'pass').length;
  const files = new Set(results.map((r) => r.file)).size;
  const cases = `${results.length} case${results.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`;
  return failed ? `${failed} failed, ${results.length - failed} passed (${cases})` : `all ${results.length} passed (${cases})`;
}
