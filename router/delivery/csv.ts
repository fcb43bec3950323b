// CSV per RFC 4180: fields separated by commas, records by CRLF; a field holding a comma,
// a quote, CR or LF is quoted, with quotes doubled.

import { toText } from './template.ts';

/** One CSV field: the value as text (null/undefined empty, objects as JSON), quoted when needed. */
export function csvField(value: unknown): string {
  const text = toText(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A CSV document: the header row, then one row per record, each ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const line = (fields: readonly unknown[]): string => fields.map(csvField).join(',') + '\r\n';
  return line(header) + rows.map(line).join('');
}
