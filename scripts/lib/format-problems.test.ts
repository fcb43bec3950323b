import { describe, expect, it } from 'vitest';
import type { Problem } from '../../router/config/types.ts';
import { formatGithub, formatReport, formatText, location, summaryLine } from './format-problems.ts';

const unknownField: Problem = {
  severity: 'error', code: 'UNKNOWN_FIELD', message: "entity 'mortgage' has no field 'stat'",
  file: 'profiles/a.yaml', line: 12, col: 7, hint: 'did you mean state?',
};
const capWarning: Problem = {
  severity: 'warning', code: 'CAP_PERIOD_INCONSISTENT', message: 'day cap 500 is larger than month cap 100',
  file: 'profiles/b.yaml', line: 3, col: 1,
};
const dirProblem: Problem = { severity: 'error', code: 'NO_FILES', message: 'no *.yaml or *.yml files found', file: 'profiles', line: 0, col: 0 };

describe('formatText', () => {
  it('prints file:line:col  severity  CODE  message (hint: …) with two spaces between columns', () => {
    expect(formatText(unknownField)).toBe("profiles/a.yaml:12:7  error  UNKNOWN_FIELD  entity 'mortgage' has no field 'stat' (hint: did you mean state?)");
    expect(formatText(capWarning)).toBe('profiles/b.yaml:3:1  warning  CAP_PERIOD_INCONSISTENT  day cap 500 is larger than month cap 100');
  });

  it('prints just the path for a problem about a whole directory', () => {
    expect(location(dirProblem)).toBe('profiles');
    expect(formatText(dirProblem)).toBe('profiles  error  NO_FILES  no *.yaml or *.yml files found');
  });
});

describe('formatGithub', () => {
  it('emits ::error/::warning/::notice with file, line, col and the code as title', () => {
    expect(formatGithub(unknownField)).toBe("::error file=profiles/a.yaml,line=12,col=7,title=UNKNOWN_FIELD::entity 'mortgage' has no field 'stat' (hint: did you mean state?)");
    expect(formatGithub(capWarning)).toMatch(/^::warning file=profiles\/b\.yaml,line=3,col=1,title=CAP_PERIOD_INCONSISTENT::/);
    expect(formatGithub({ ...capWarning, severity: 'info' })).toMatch(/^::notice /);
  });

  it('escapes data (% CR LF) and properties (also : and ,) as @actions/core does', () => {
    const p: Problem = { severity: 'error', code: 'X', message: '100% sure:\r\nnext, line', file: 'dir,a:b%.yaml', line: 1, col: 2 };
    expect(formatGithub(p)).toBe('::error file=dir%2Ca%3Ab%25.yaml,line=1,col=2,title=X::100%25 sure:%0D%0Anext, line');
  });

  it('leaves out line and col for a directory problem', () => {
    expect(formatGithub(dirProblem)).toBe('::error file=profiles,title=NO_FILES::no *.yaml or *.yml files found');
  });
});

describe('summary and report', () => {
  it('counts errors and warnings with plurals', () => {
    expect(summaryLine([unknownField, unknownField, unknownField, capWarning], 12, 'profiles')).toBe('validate: 3 errors, 1 warning in 12 files (profiles)');
    expect(summaryLine([], 1, 'p')).toBe('validate: 0 errors, 0 warnings in 1 file (p)');
    expect(summaryLine([{ ...capWarning, severity: 'info' }], 2, 'p')).toBe('validate: 0 errors, 0 warnings, 1 note in 2 files (p)');
  });

  it('text: the lines then the summary; github: annotations, then the same lines; json: one object', () => {
    const report = { ok: false, files: 2, problems: [unknownField, capWarning] };
    const text = formatReport(report, 'text', 'profiles');
    expect(text).toEqual([formatText(unknownField), formatText(capWarning), 'validate: 1 error, 1 warning in 2 files (profiles)']);
    expect(formatReport(report, 'github', 'profiles')).toEqual([formatGithub(unknownField), formatGithub(capWarning), ...text]);
    const json = formatReport(report, 'json', 'profiles');
    expect(json).toHaveLength(1);
    expect(JSON.parse(json[0])).toEqual({ ok: false, files: 2, problems: [unknownField, capWarning] });
  });
});
