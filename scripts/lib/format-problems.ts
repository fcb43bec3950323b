// Problems as text for people, as GitHub Actions annotations, and as JSON for tools. Pure.
import { countBySeverity, formatText, location, messageWithHint } from '../../router/config/problems.ts';
import type { Problem, Severity } from '../../router/config/types.ts';
import { annotation, escapeData, escapeProperty } from './github.ts';

export type ProblemFormat = 'text' | 'github' | 'json';
export const PROBLEM_FORMATS: readonly ProblemFormat[] = ['text', 'github', 'json'];

// The one-line text form lives beside the problems: the router prints it at startup too.
export { formatText, location };

const ANNOTATION: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', info: 'notice' };

/** `::error file=F,line=L,col=C,title=CODE::message` */
export function formatGithub(p: Problem): string {
  const level = ANNOTATION[p.severity];
  if (p.line > 0) return annotation({ level, file: p.file, line: p.line, col: p.col, title: p.code, message: messageWithHint(p) });
  // A problem about a whole directory has no line.
  return `::${level} file=${escapeProperty(p.file)},title=${escapeProperty(p.code)}::${escapeData(messageWithHint(p))}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `validate: 3 errors, 1 warning in 12 files (profiles)` */
export function summaryLine(problems: readonly Problem[], files: number, dir: string, tool = 'validate'): string {
  const c = countBySeverity(problems);
  const parts = [plural(c.error, 'error'), plural(c.warning, 'warning')];
  if (c.info > 0) parts.push(plural(c.info, 'note'));
  return `${tool}: ${parts.join(', ')} in ${plural(files, 'file')} (${dir})`;
}

export interface ProblemReport {
  ok: boolean;
  files: number;
  problems: readonly Problem[];
}

/** The whole output for one run, as the lines to print (json: one line). */
export function formatReport(report: ProblemReport, format: ProblemFormat, dir: string): string[] {
  if (format === 'json') return [JSON.stringify({ ok: report.ok, files: report.files, problems: report.problems })];
  const lines: string[] = [];
  if (format === 'github') lines.push(...report.problems.map(formatGithub));
  lines.push(...report.problems.map(formatText));
  lines.push(summaryLine(report.problems, report.files, dir));
  return lines;
}
