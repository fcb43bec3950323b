// ajv errors -> Problems at the offending node, in words a profile author understands.
// ajv (allErrors) reports every failed branch of `anyOf`/`oneOf` and every `if`; those are
// folded here so one mistake gives one problem.
import type { ErrorObject } from 'ajv';
import { schemaCode } from './codes.ts';
import { withSeverity } from './problems.ts';
import { displayPath, type LocatedDoc } from './source.ts';
import { didYouMean } from './suggest.ts';
import type { DocPath, Problem } from './types.ts';

type Schema = Record<string, unknown>;

/** `/partners/0/rules` -> ['partners', 0, 'rules'] (numbers where the value is a list). */
function toDocPath(pointer: string, value: unknown): DocPath {
  if (pointer === '') return [];
  const out: (string | number)[] = [];
  let cur: unknown = value;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      const i = Number(seg);
      out.push(i);
      cur = cur[i];
    } else {
      out.push(seg);
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

const isUnder = (path: string, parent: string) => path.startsWith(`${parent}/`);

/** Branches that only say "this key is present": a discriminator, e.g. a condition's operator. */
function requiredOnlyKeys(branches: unknown): string[] | undefined {
  if (!Array.isArray(branches)) return undefined;
  const keys: string[] = [];
  for (const b of branches as Schema[]) {
    const req = b?.required;
    if (!Array.isArray(req) || req.length !== 1) return undefined;
    if (Object.keys(b).some((k) => k !== 'required' && k !== 'properties')) return undefined;
    keys.push(String(req[0]));
  }
  return keys;
}

function describeBranch(b: Schema): string {
  if ('const' in b) return JSON.stringify(b.const);
  if (Array.isArray(b.enum)) return b.enum.map((v) => JSON.stringify(v)).join(', ');
  if (typeof b.type === 'string') return typeName(b.type);
  if (typeof b.$ref === 'string') return b.$ref.split('/').pop() ?? 'a reference';
  return 'another form';
}

function typeName(type: string): string {
  switch (type) {
    case 'array': return 'a list';
    case 'object': return 'a mapping';
    case 'integer': return 'a whole number';
    default: return `a ${type}`;
  }
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number' && Number.isInteger(value)) return 'a whole number';
  return `a ${typeof value}`;
}

/** Problems for one document's ajv errors. `doc.value` is the validated value. */
export function schemaProblems(errors: readonly ErrorObject[], doc: LocatedDoc): Problem[] {
  // Folding: `if` only says a then/else failed (its own errors are reported); inline branches of
  // anyOf/oneOf are summarised by the anyOf/oneOf error, or dropped when a branch failed deeper.
  const folds = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const kept = errors.filter((e) => {
    if (e.keyword === 'if') return false;
    if ((e as { propertyName?: string }).propertyName !== undefined) return false; // covered by propertyNames
    return !folds.some((f) => f !== e && f.instancePath === e.instancePath && isUnder(e.schemaPath, f.schemaPath));
  });
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const e of kept) {
    const p = describe(e, doc, kept);
    if (p === undefined) continue;
    const key = `${p.code}\0${p.line}\0${p.col}\0${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(p);
  }
  return problems;
}

function describe(e: ErrorObject, doc: LocatedDoc, all: readonly ErrorObject[]): Problem | undefined {
  const path = toDocPath(e.instancePath, doc.value);
  const where = displayPath(path);
  const inWhere = where === '' ? `in ${doc.kind}` : `in ${where}`;
  const subject = where === '' ? doc.kind : where;
  const code = schemaCode(e.keyword);
  const parent = (e.parentSchema ?? {}) as Schema;
  const params = e.params as Record<string, unknown>;
  const at = doc.pos(path);
  const make = (message: string, hint?: string, pos = at) => withSeverity('error', code, pos, message, hint);

  switch (e.keyword) {
    case 'required':
      return make(`missing required field '${String(params.missingProperty)}' ${inWhere}`);
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const key = String(params.additionalProperty ?? params.unevaluatedProperty);
      const known = Object.keys((parent.properties as Schema | undefined) ?? {});
      return make(`unknown field '${key}' ${inWhere}`, didYouMean(key, known) ?? (known.length > 0 ? `known fields: ${known.join(', ')}` : undefined), doc.keyPos([...path, key]));
    }
    case 'propertyNames': {
      const key = String(params.propertyName);
      const pattern = (e.schema as Schema | undefined)?.pattern;
      return make(`invalid name '${key}' ${inWhere}`, typeof pattern === 'string' ? `names must match ${pattern}` : undefined, doc.keyPos([...path, key]));
    }
    case 'type':
      return make(`${subject} must be ${String(params.type).split(',').map(typeName).join(' or ')}, not ${typeOf(e.data)}`);
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      const got = e.data;
      return make(
        `${subject} must be one of ${allowed.map(String).join(', ')}, not ${JSON.stringify(got)}`,
        typeof got === 'string' ? didYouMean(got, allowed.map(String)) : undefined,
      );
    }
    case 'const':
      return make(
        `${subject} must be ${JSON.stringify(params.allowedValue)}, not ${JSON.stringify(e.data)}`,
        typeof e.data === 'string' && typeof params.allowedValue === 'string' ? didYouMean(e.data, [params.allowedValue]) : undefined,
      );
    case 'pattern':
      return make(`${subject} ${JSON.stringify(e.data)} does not match the pattern ${String(params.pattern)}`, idHint(parent));
    case 'anyOf':
    case 'oneOf': {
      const branches = (e.schema ?? parent[e.keyword]) as Schema[];
      const keys = requiredOnlyKeys(branches);
      if (keys !== undefined) {
        const value = e.data as Record<string, unknown>;
        const present = keys.filter((k) => value !== null && typeof value === 'object' && k in value);
        const what = subject;
        return present.length > 1
          ? make(`${what} has more than one of ${present.join(', ')}: keep one`)
          : make(`${what} needs one of ${keys.join(', ')}`);
      }
      // A branch failed inside the value (e.g. a list item): its own errors say what is wrong.
      if (all.some((o) => isUnder(o.instancePath, e.instancePath))) return undefined;
      const forms = Array.isArray(branches) ? branches.map(describeBranch) : [];
      return make(`${subject} must be ${forms.length > 0 ? forms.join(' or ') : 'one of the allowed forms'}, not ${typeOf(e.data)}${typeof e.data === 'string' ? ` ${JSON.stringify(e.data)}` : ''}`,
        typeof e.data === 'string' ? didYouMean(e.data, branches.filter((b) => typeof b?.const === 'string').map((b) => String(b.const))) : undefined);
    }
    default:
      return make(`${subject} ${e.message ?? 'is invalid'}`);
  }
}

function idHint(parent: Schema): string | undefined {
  return parent.pattern === '^[a-z0-9][a-z0-9._-]*$' ? 'ids use lowercase letters, digits, ".", "_" and "-", starting with a letter or digit' : undefined;
}
