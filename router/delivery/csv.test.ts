import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvField, csvSafeText, toCsv } from './csv.ts';

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

describe('CSV injection (OWASP)', () => {
  it('prefixes an apostrophe to a text cell that starts a formula: =, +, -, @, tab, CR', () => {
    const cells = ['=HYPERLINK("http://x")', '+cmd|calc', '-2+3', '@SUM(A1)', '\tlead', '\r=1', '=1,2'];
    expect(toCsv(['a'], cells.map((c) => [c]))).toBe(
      'a\r\n"\'=HYPERLINK(""http://x"")"\r\n\'+cmd|calc\r\n\'-2+3\r\n\'@SUM(A1)\r\n\'\tlead\r\n"\'\r=1"\r\n"\'=1,2"\r\n',
    );
  });

  it('leaves numbers as they are, as numbers or as text that is only a number', () => {
    expect(toCsv(['n'], [[-5], [1.5], ['-5'], ['+1.5'], ['-.5e3'], [0]])).toBe('n\r\n-5\r\n1.5\r\n-5\r\n+1.5\r\n-.5e3\r\n0\r\n');
  });

  it('leaves text that only holds a formula character later on alone', () => {
    expect(toCsv(['a'], [['a=b'], ['x@example.com'], ['555-1234'], [' =1']])).toBe('a\r\na=b\r\nx@example.com\r\n555-1234\r\n =1\r\n');
  });
});

describe('CSV injection: properties', () => {
  /** The cell's text as a spreadsheet reads it back from one CSV field. */
  const unquote = (field: string) => (field.startsWith('"') ? field.slice(1, -1).replaceAll('""', '"') : field);

  it('no text cell reaches a spreadsheet starting a formula, unless it is only a number; the apostrophe is all that is added', () => {
    const formulaish = fc.oneof(fc.string(), fc.constantFrom('=', '+', '-', '@', '\t', '\r').chain((c) => fc.string().map((s) => c + s)));
    fc.assert(fc.property(formulaish, (text) => {
      const cell = unquote(csvField(text));
      if (/^[=+\-@\t\r]/.test(cell)) expect(Number.isFinite(Number(cell)) && cell.trim() === cell).toBe(true);
      expect(cell === text || cell === `'${text}`).toBe(true);
    }));
  });

  it('numbers are written as they are', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
      expect(csvSafeText(n)).toBe(String(n));
    }));
  });
});
