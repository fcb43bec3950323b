// Checks a lead against its Entity's field definitions. Pure: no I/O, never throws on any input.
// Fields the entity does not define are not errors (sources routinely send extras such as
// tracking parameters): `definedFields` drops them, so partners receive exactly what the entity defines.
// Messages never include the value of an encrypted field.

import type { Entity, FieldDef } from '../config/types.ts';
import type { FieldError } from '../errors.ts';
import { compileRegex, type LinearRegex } from '../rules/regex.ts';
import { freeFormProblem } from './free-form.ts';

export type LeadChecker = (lead: unknown) => FieldError[];

/** Characters a string field holds unless it sets `maxLength`. */
const DEFAULT_MAX_LENGTH = 1000;

interface CompiledField {
  def: FieldDef;
  maxLength: number;
  pattern?: LinearRegex;
  fields?: Map<string, CompiledField>;
}

const NEVER: LinearRegex = { test: () => false };

function compilePattern(source: string): LinearRegex {
  // The loader refuses a pattern that does not compile; one here fails closed (never matches).
  try { return compileRegex(source); } catch { return NEVER; }
}

function compileFields(fields: Readonly<Record<string, FieldDef>> | undefined): Map<string, CompiledField> {
  const out = new Map<string, CompiledField>();
  for (const [name, def] of Object.entries(fields ?? {})) {
    const compiled: CompiledField = { def, maxLength: def.maxLength ?? DEFAULT_MAX_LENGTH };
    if (def.pattern !== undefined) compiled.pattern = compilePattern(def.pattern);
    if (def.type === 'object') compiled.fields = compileFields(def.fields);
    out.set(name, compiled);
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeOk(type: FieldDef['type'], v: unknown): boolean {
  switch (type) {
    case 'string': return typeof v === 'string';
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'boolean': return typeof v === 'boolean';
    case 'object': return isPlainObject(v);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v) : String(v);
}

function checkObject(
  fields: Map<string, CompiledField>,
  obj: Record<string, unknown>,
  prefix: string,
  errors: FieldError[],
): void {
  for (const [name, f] of fields) {
    const path = prefix + name;
    const has = Object.prototype.hasOwnProperty.call(obj, name);
    const v = has ? obj[name] : undefined;
    // null counts as absent: forms often send null for blank inputs.
    if (v === undefined || v === null) {
      if (f.def.required) errors.push({ field: path, code: 'required', message: `${path} is required` });
      continue;
    }
    if (!typeOk(f.def.type, v)) {
      errors.push({ field: path, code: 'type', message: `${path} must be ${f.def.type === 'integer' ? 'an integer' : `a ${f.def.type}`}, got ${describe(v)}` });
      continue;
    }
    if (f.def.type === 'object') {
      if (f.def.fields === undefined) {
        // Free-form: kept whole, so its shape is bounded here (depth, array length, keys).
        const problem = freeFormProblem(v, path);
        if (problem) errors.push({ field: path, ...problem });
      } else {
        checkObject(f.fields!, v as Record<string, unknown>, `${path}.`, errors);
      }
      continue;
    }
    if (typeof v === 'string' && v.length > f.maxLength) {
      const length = characters(v);
      if (length > f.maxLength) {
        errors.push({ field: path, code: 'maxLength', message: `${path} is ${length} characters long; at most ${f.maxLength} are allowed` });
        continue;
      }
    }
    const secret = f.def.encrypted === true;
    if (f.def.enum && !f.def.enum.includes(v as string | number)) {
      const allowed = f.def.enum.map((e) => String(e)).join(', ');
      errors.push({
        field: path, code: 'enum',
        message: secret ? `${path} must be one of [${allowed}]` : `${path} ${show(v)} is not one of [${allowed}]`,
      });
    }
    if (f.pattern && typeof v === 'string') {
      if (!f.pattern.test(v)) {
        errors.push({
          field: path, code: 'pattern',
          message: secret ? `${path} does not match ${f.def.pattern}` : `${path} ${show(v)} does not match ${f.def.pattern}`,
        });
      }
    }
  }
}

/** Length in characters (code points), as JSON Schema's maxLength counts. */
function characters(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Compile an entity's checks once (patterns precompiled); the result is reused for every lead. */
export function compileLeadChecker(entity: Entity): LeadChecker {
  const fields = compileFields(entity.fields);
  return (lead) => {
    if (!isPlainObject(lead)) {
      return [{ field: '', code: 'type', message: `a lead must be a JSON object, got ${describe(lead)}` }];
    }
    const errors: FieldError[] = [];
    checkObject(fields, lead, '', errors);
    return errors;
  };
}

const cache = new WeakMap<Entity, LeadChecker>();

/** Every field error of `lead` against `entity`, at once (empty when the lead is valid). */
export function checkLead(entity: Entity, lead: unknown): FieldError[] {
  let checker = cache.get(entity);
  if (!checker) {
    checker = compileLeadChecker(entity);
    cache.set(entity, checker);
  }
  return checker(lead);
}

/** The lead with only the fields its entity defines (nested objects too); the names of the others. */
export function definedFields(entity: Entity, lead: Record<string, unknown>): { lead: Record<string, unknown>; dropped: string[] } {
  const dropped: string[] = [];
  const pick = (defs: Readonly<Record<string, FieldDef>>, obj: Record<string, unknown>, prefix: string) => {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(obj)) {
      const def = Object.prototype.hasOwnProperty.call(defs, key) ? defs[key] : undefined;
      if (!def) dropped.push(prefix + key);
      else if (def.fields && isPlainObject(obj[key])) out[key] = pick(def.fields, obj[key], `${prefix + key}.`);
      else out[key] = obj[key];
    }
    return out;
  };
  return { lead: pick(entity.fields, lead, ''), dropped };
}
