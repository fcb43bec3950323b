import { describe, expect, it } from 'vitest';
import { annotation, escapeData, escapeProperty, wantsGithubFormat } from './github.ts';

describe('GitHub workflow commands', () => {
  it('escapes like @actions/core', () => {
    expect(escapeData('100% done\r\nnext: a,b')).toBe('100%25 done%0D%0Anext: a,b');
    expect(escapeProperty('C:\\a,b%\n')).toBe('C%3A\\a%2Cb%25%0A');
  });

  it('builds an annotation line', () => {
    expect(annotation({ level: 'error', file: 'p/t.yaml', line: 3, col: 5, title: 'x: y', message: 'a\nb' })).toBe(
      '::error file=p/t.yaml,line=3,col=5,title=x%3A y::a%0Ab',
    );
  });

  it('turns on under GitHub Actions unless a format is given', () => {
    expect(wantsGithubFormat(undefined, { GITHUB_ACTIONS: 'true' })).toBe(true);
    expect(wantsGithubFormat(undefined, {})).toBe(false);
    expect(wantsGithubFormat('text', { GITHUB_ACTIONS: 'true' })).toBe(false);
    expect(wantsGithubFormat('github', {})).toBe(true);
  });
});
