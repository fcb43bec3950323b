// Rules against the entity they run on: fields that exist and are not encrypted, operators that
// fit the field's type, values inside the field's enum, ranges and regexes that can match.
import { specOf } from '../../rules/operator-table.ts';
import { regexIssue, type RegexIssue } from '../../rules/regex.ts';
import { OPERATORS } from '../types.ts';
import { problem } from '../problems.ts';
import { didYouMean, nearest } from '../suggest.ts';
import type { DocPath, FieldDef, FieldType, Problem, SourceDoc } from '../types.ts';
import {
  allFieldPaths,
  docsOf,
  entityFields,
  forEachCondition,
  indexDocs,
  isObj,
  list,
  lookupField,
  profileRuleLists,
  pathOf,
  type ConditionVisitor,
  type LazyPath,
  str,
  type Obj,
} from './shared.ts';

// From the operator records: the field type each operator needs, and how its value compares.
const NUMBER_OPS: readonly string[] = OPERATORS.filter((op) => specOf(op).kind === 'number');
const STRING_OPS: readonly string[] = OPERATORS.filter((op) => ['string', 'string-or-array'].includes(specOf(op).kind));
const VALUE_OPS: readonly string[] = OPERATORS.filter((op) => specOf(op).compares === 'value');
const LIST_OPS: readonly string[] = OPERATORS.filter((op) => specOf(op).compares === 'list');
const OPERATOR_SET = new Set<string>(OPERATORS);


/** Every rule list of every profile (profile rules and assignment rules). */
export function checkRules(docs: readonly SourceDoc[]): Problem[] {
  const { entities } = indexDocs(docs);
  const problems: Problem[] = [];
  for (const profile of docsOf(docs, 'Profile')) {
    const entityId = str(profile.value.entity);
    const entity = entityId === undefined ? undefined : entities.get(entityId);
    // Unknown entity: UNKNOWN_ENTITY says so; field checks are skipped, the rest still runs.
    const fields = entity === undefined ? undefined : entityFields(entity);
    const visit: ConditionVisitor = (cond, at) => checkCondition(profile, entityId ?? '?', fields, cond, at, problems);
    for (const { rules, path } of profileRuleLists(profile.value)) forEachCondition(rules, path, visit);
  }
  return problems;
}

function checkCondition(
  doc: SourceDoc<Obj>,
  entityId: string,
  fields: Record<string, FieldDef> | undefined,
  cond: Obj,
  lazyAt: LazyPath,
  out: Problem[],
): void {
  const ignoreCase = cond.ignoreCase === true;
  const between = cond.between;
  if (Array.isArray(between) && typeof between[0] === 'number' && typeof between[1] === 'number' && between[0] > between[1]) {
    out.push(
      problem('BETWEEN_MIN_GT_MAX', posAt(doc, lazyAt, 'between'), `between [${between[0]}, ${between[1]}]: min is greater than max, so it never matches`, `write it as [${between[1]}, ${between[0]}]`),
    );
  }
  if (typeof cond.matches === 'string') {
    // The rules core compiles `matches` the same way (regex.ts), with `i` for ignoreCase.
    const issue = regexIssue(cond.matches, ignoreCase);
    if (issue) out.push(problem(issue.code, posAt(doc, lazyAt, 'matches'), `matches: ${regexMessage(issue)}`));
  }

  const field = str(cond.field);
  if (field === undefined || fields === undefined) return;
  const found = lookupFieldCached(fields, field);
  if (!found.found) {
    out.push(
      problem(
        'UNKNOWN_FIELD',
        posAt(doc, lazyAt, 'field'),
        `entity '${entityId}' has no field '${found.missing}'`,
        didYouMean(field, allFieldPaths(fields)),
      ),
    );
    return;
  }
  if (found.encrypted) {
    out.push(
      problem('ENCRYPTED_FIELD_IN_RULE', posAt(doc, lazyAt, 'field'), `'${field}' is an encrypted field and cannot be used in a rule`, 'encrypted fields are delivered to partners but never evaluated; route on another field'),
    );
    return;
  }
  const def = found.def;
  if (def === undefined || typeof def.type !== 'string') return; // free-form object: type unknown
  const type = def.type;
  const ops: string[] = [];
  for (const key in cond) if (OPERATOR_SET.has(key)) ops.push(key);

  if (type === 'object') {
    for (const op of ops) {
      if (op === 'empty') continue;
      out.push(problem('OPERATOR_TYPE_MISMATCH', posAt(doc, lazyAt, op), `${op} cannot test '${field}': it is an object; only empty applies`, 'test one of its nested fields with a dotted path'));
    }
    return;
  }
  for (const op of ops) {
    if (NUMBER_OPS.includes(op) && !isNumeric(type)) {
      out.push(problem('OPERATOR_TYPE_MISMATCH', posAt(doc, lazyAt, op), `${op} needs a number field, but '${field}' is a ${type}`));
    } else if (STRING_OPS.includes(op) && type !== 'string') {
      out.push(problem('OPERATOR_TYPE_MISMATCH', posAt(doc, lazyAt, op), `${op} needs a string field, but '${field}' is a ${type}`, type === 'boolean' ? 'use equals: true or equals: false' : 'use equals, in, between or gt/gte/lt/lte'));
    }
  }
  // Values compared with the field's value must have its type and sit inside its enum.
  const values: { value: unknown; path: (string | number)[]; op: string }[] = [];
  for (const op of VALUE_OPS) if (op in cond) values.push({ value: cond[op], path: [op], op });
  for (const op of LIST_OPS) {
    const items = list(cond[op]);
    for (let i = 0; i < items.length; i++) values.push({ value: items[i], path: [op, i], op });
  }
  for (const { value, path, op } of values) {
    if (value === null || typeof value === 'object') continue; // the schema reports these
    if (!fitsType(type, value)) {
      out.push(
        problem('OPERATOR_TYPE_MISMATCH', posAt(doc, lazyAt, ...path), `${op}: ${JSON.stringify(value)} is a ${typeof value}, but '${field}' is a ${type}`, type === 'string' ? `quote it: "${value as string | number | boolean}"` : undefined),
      );
      continue;
    }
    const allowed = Array.isArray(def.enum) ? def.enum : undefined;
    if (allowed !== undefined && !inEnum(allowed, value, ignoreCase)) {
      const guess = typeof value === 'string' ? nearest(value, allowed.map(String)) : undefined;
      out.push(
        problem('VALUE_NOT_IN_ENUM', posAt(doc, lazyAt, ...path), `${field}: ${value as string | number | boolean} is not one of ${allowed.join(', ')}${guess === undefined ? '' : ` — did you mean ${guess}?`}`),
      );
    }
  }
}

/** Positions and paths are built only for problems. */
function posAt(doc: SourceDoc, at: LazyPath, ...rest: (string | number)[]) {
  return doc.pos([...pathOf(at), ...rest]);
}

// Rules name few distinct fields: resolve each path once per entity.
const lookups = new WeakMap<object, Map<string, ReturnType<typeof lookupField>>>();
function lookupFieldCached(fields: Record<string, FieldDef>, path: string) {
  let cache = lookups.get(fields);
  if (cache === undefined) lookups.set(fields, (cache = new Map<string, ReturnType<typeof lookupField>>()));
  let found = cache.get(path);
  if (found === undefined) cache.set(path, (found = lookupField(fields, path)));
  return found;
}

function isNumeric(type: FieldType): boolean {
  return type === 'number' || type === 'integer';
}

function fitsType(type: FieldType, value: unknown): boolean {
  switch (type) {
    case 'string': return typeof value === 'string';
    case 'number': return typeof value === 'number';
    case 'integer': return typeof value === 'number' && Number.isInteger(value);
    case 'boolean': return typeof value === 'boolean';
    default: return true;
  }
}

function inEnum(allowed: readonly (string | number)[], value: unknown, ignoreCase: boolean): boolean {
  if (ignoreCase && typeof value === 'string') {
    const v = value.toLowerCase();
    return allowed.some((a) => typeof a === 'string' && a.toLowerCase() === v);
  }
  return allowed.includes(value as string | number);
}

function regexMessage(issue: RegexIssue): string {
  return issue.code === 'INVALID_REGEX'
    ? `invalid regular expression: ${issue.reason}`
    : `regular expression not supported: ${issue.reason}`;
}

/** INVALID_REGEX / UNSUPPORTED_REGEX for entity field `pattern`s (nested fields included). */
export function checkFieldPatterns(docs: readonly SourceDoc[]): Problem[] {
  const problems: Problem[] = [];
  const visit = (doc: SourceDoc<Obj>, fields: unknown, path: DocPath) => {
    if (!isObj(fields)) return;
    for (const [name, def] of Object.entries(fields)) {
      if (!isObj(def)) continue;
      if (typeof def.pattern === 'string') {
        const issue = regexIssue(def.pattern);
        if (issue) problems.push(problem(issue.code, doc.pos([...path, name, 'pattern']), `pattern of field '${name}': ${regexMessage(issue)}`));
      }
      visit(doc, def.fields, [...path, name, 'fields']);
    }
  };
  for (const entity of docsOf(docs, 'Entity')) visit(entity, entity.value.fields, ['fields']);
  return problems;
}
