// Building, sorting and counting Problems. Every problem names a file:line:col.
import { PROBLEM_CODES, type ProblemCode } from './codes.ts';
import type { Problem, Severity, SourcePos } from './types.ts';

/** A problem with the severity its code is registered with (codes.ts). */
export function problem(code: ProblemCode, at: SourcePos, message: string, hint?: string): Problem {
  return withSeverity(PROBLEM_CODES[code].severity, code, at, message, hint);
}

/** A problem whose code is not in the fixed table (the SCHEMA_<KEYWORD> family). */
export function withSeverity(
  severity: Severity,
  code: string,
  at: SourcePos,
  message: string,
  hint?: string,
): Problem {
  const p: Problem = { severity, code, message, file: at.file, line: at.line, col: at.col };
  if (hint !== undefined) p.hint = hint;
  return p;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** By file, line, col, then severity and code: a stable order for output and tests. */
function compareProblems(a: Problem, b: Problem): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return (
    a.line - b.line ||
    a.col - b.col ||
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)
  );
}

export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(compareProblems);
}

export function countBySeverity(problems: readonly Problem[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const p of problems) counts[p.severity]++;
  return counts;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** `file:line:col` (just `file` for problems about a whole directory, line 0). */
export function location(p: Problem): string {
  return p.line > 0 ? `${p.file}:${p.line}:${p.col}` : p.file;
}

/** The message with its hint, as one line. */
export function messageWithHint(p: Problem): string {
  return p.hint === undefined ? p.message : `${p.message} (hint: ${p.hint})`;
}

/** `profiles/acme.yaml:12:7  error  UNKNOWN_FIELD  entity 'mortgage' has no field 'stat' (hint: did you mean state?)` */
export function formatText(p: Problem): string {
  return `${location(p)}  ${p.severity}  ${p.code}  ${messageWithHint(p)}`;
}
