// CSV per RFC 4180: fields separated by commas, records by CRLF; a field holding a comma,
// a quote, CR or LF is quoted, with quotes doubled.
//
// CSV injection (OWASP): a spreadsheet runs a cell that starts with =, +, -, @, tab or CR as a
// formula. Such a text cell gets a leading apostrophe, which makes it plain text. Numbers (a JSON
// number, or text that is only a number such as "-5" or "+1.5") cannot hold a formula and are
// left as they are.

import { toText } from './template.ts';

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The text of a cell, neutralised when a spreadsheet would read it as a formula. */
export function csvSafeText(value: unknown): string {
  const text = toText(value);
  if (typeof value === 'number' || typeof value === 'bigint') return text;
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** One CSV field: the value as text (null/undefined empty, objects as JSON), neutralised, quoted when needed. */
export function csvField(value: unknown): string {
  const text = csvSafeText(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A CSV document: the header row, then one row per record, each ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const line = (fields: readonly unknown[]): string => fields.map(csvField).join(',') + '\r\n';
  return line(header) + rows.map(line).join('');
}
