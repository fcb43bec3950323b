import { describe, expect, it } from 'vitest';
import { toCsv } from './csv.ts';

describe('toCsv', () => {
  it('writes a header row and rows with RFC 4180 quoting and CRLF line ends', () => {
    expect(toCsv(['name', 'note', 'n', 'ok', 'none', 'obj'], [['Ann', 'says "hi", then\nleaves', 42, true, null, { a: 1 }]])).toBe(
      'name,note,n,ok,none,obj\r\nAnn,"says ""hi"", then\nleaves",42,true,,"{""a"":1}"\r\n',
    );
  });

  it('quotes a field holding a carriage return and leaves plain text alone', () => {
    expect(toCsv(['a'], [['x\ry'], [' spaced ']])).toBe('a\r\n"x\ry"\r\n spaced \r\n');
  });
});
