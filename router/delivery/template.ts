// A small, safe template engine for delivery bodies and email subjects: `{{path}}` placeholders
// looked up by dotted path in plain data. No expressions, no code, no prototype access;
// a missing value renders as the empty string.

const PLACEHOLDER = /\{\{\s*([^{}\s]+)\s*\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{\s*([^{}\s]+)\s*\}\}$/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/** The value at a dotted path (`address.city`), own properties only; undefined when absent. */
export function getPath(data: unknown, path: string): unknown {
  let current: unknown = data;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    if (FORBIDDEN_KEYS.has(key) || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** A value as template text: strings as is, numbers and booleans as written, objects as JSON. */
export function toText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return '';
}

/** Interpolates every `{{path}}` in `template` as text. */
export function renderText(template: string, data: unknown): string {
  if (!template.includes('{{')) return template;
  return template.replace(PLACEHOLDER, (_match, path: string) => toText(getPath(data, path)));
}

/**
 * Renders a template value deeply: a string that is exactly one placeholder keeps the type of
 * the value it names (number, boolean, object; missing → ''), any other string is interpolated
 * as text; objects and arrays are rendered member by member; other values are kept.
 */
export function renderTemplate(template: unknown, data: unknown): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(template);
    if (whole) {
      const value = getPath(data, whole[1]);
      return value === undefined ? '' : value;
    }
    return renderText(template, data);
  }
  if (Array.isArray(template)) return template.map((item) => renderTemplate(item, data));
  if (template !== null && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(template)) {
      if (FORBIDDEN_KEYS.has(key)) continue;
      out[key] = renderTemplate(item, data);
    }
    return out;
  }
  return template;
}

/**
 * The selected lead fields (dotted paths), placed at the same nesting as in the lead:
 * `['email', 'address.city']` → `{ email, address: { city } }`. Absent fields are left out.
 */
export function pickFields(lead: Readonly<Record<string, unknown>>, paths: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    const value = getPath(lead, path);
    if (value === undefined) continue;
    const keys = path.split('.');
    let target = out;
    for (const key of keys.slice(0, -1)) {
      const next = target[key];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[keys[keys.length - 1]] = value;
  }
  return out;
}

/**
 * Flattens nested objects and arrays to dotted keys (`address.city`, `tags.0`), in key order.
 * Scalars (and null) are leaves; an empty object or array yields no key.
 */
export function flatten(value: Readonly<Record<string, unknown>>): [string, unknown][] {
  const out: [string, unknown][] = [];
  const visit = (item: unknown, prefix: string): void => {
    if (item !== null && typeof item === 'object') {
      for (const [key, child] of Object.entries(item)) visit(child, prefix ? `${prefix}.${key}` : key);
    } else if (item !== undefined) {
      out.push([prefix, item]);
    }
  };
  visit(value, '');
  return out;
}
