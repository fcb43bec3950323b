// Duplicate checks compare consumers, not strings: values are normalised (trimmed; emails
// lowercased; phones reduced to digits, a North American country code dropped) and kept only as keyed hashes (HMAC-SHA256 with
// DEDUPE_KEY), so neither the router's stores nor a copy of them holds a consumer's email or phone.
import { createHmac } from 'node:crypto';
import type { DedupeSpec } from '../config/types.ts';
import { parseDuration } from '../config/duration.ts';
import { compilePath, type PathReader } from '../rules/path.ts';

const EMAIL_FIELD = /e-?mail/i;
const PHONE_FIELD = /phone|mobile|cell|tel/i;

/** A `dedupe` or `duplicates` setting, ready to use: field readers and the window. */
export interface CompiledDedupe {
  fields: readonly { name: string; read: PathReader }[];
  /** As written (`30d`), for traces. */
  window: string;
  windowMs: number;
}

export function compileDedupe(spec: DedupeSpec): CompiledDedupe {
  return {
    fields: spec.fields.map((name) => ({ name, read: compilePath(name) })),
    window: spec.window,
    // The loader refuses a window that does not parse; a day is the fallback of a config built in code.
    windowMs: parseDuration(spec.window) ?? 86_400_000,
  };
}

/** The value as compared: null when the field is absent or empty after trimming. */
export function normalise(field: string, value: unknown): string | null {
  if (value === null || value === undefined || typeof value === 'object') return null;
  const text = `${value as string | number | boolean}`.trim();
  if (!text) return null;
  const name = field.slice(field.lastIndexOf('.') + 1);
  if (EMAIL_FIELD.test(name) || text.includes('@')) return text.toLowerCase();
  if (PHONE_FIELD.test(name)) {
    const digits = text.replace(/\D/g, '');
    // North American numbers match with or without their country code: +1 212 555 0134 = (212) 555-0134.
    return (digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits) || null;
  }
  return text;
}

/** One keyed hash per listed field the lead has a value for. */
export function fingerprints(key: Buffer, dedupe: CompiledDedupe, lead: Readonly<Record<string, unknown>>): { field: string; hash: string }[] {
  const out: { field: string; hash: string }[] = [];
  for (const { name, read } of dedupe.fields) {
    const v = normalise(name, read(lead));
    if (v === null) continue;
    // The field name is hashed in, so an email never matches a phone with the same text.
    out.push({ field: name, hash: createHmac('sha256', key).update(name).update('\u0000').update(v).digest('hex').slice(0, 40) });
  }
  return out;
}
