// Duplicate checks (entity `duplicates`, partner and assignment `dedupe`): every listed field is a
// field of the leads it will see, and the window is a duration.
import { nearest } from '../suggest.ts';
import { parseDuration } from '../duration.ts';
import { problem } from '../problems.ts';
import type { DocPath, FieldDef, Problem, SourceDoc } from '../types.ts';
import { allFieldPaths, docsOf, entitiesByPartner, entityFields, indexDocs, isObj, list, lookupField, str, type Obj } from './shared.ts';

type Fields = Record<string, FieldDef>;

/** DEDUPE_UNKNOWN_FIELD and INVALID_DURATION for one dedupe setting, against the fields of the leads it sees. */
function checkDedupeAt(doc: SourceDoc<Obj>, spec: unknown, path: DocPath, entitiesSeen: readonly Fields[], problems: Problem[]): void {
  if (!isObj(spec)) return;
  if (spec.window !== undefined && parseDuration(spec.window) === null) {
    problems.push(problem('INVALID_DURATION', doc.pos([...path, 'window']), `dedupe window: ${JSON.stringify(spec.window)} is not a duration`, 'a whole number above 0 and one of ms, s, m, h, d, e.g. 30d'));
  }
  if (entitiesSeen.length === 0) return; // unknown entity, or a partner no profile assigns: nothing to compare with
  list(spec.fields).forEach((f, i) => {
    if (typeof f !== 'string') return;
    if (entitiesSeen.some((fields) => lookupField(fields, f).found)) return;
    const guess = nearest(f, entitiesSeen.flatMap((fields) => allFieldPaths(fields)));
    problems.push(problem('DEDUPE_UNKNOWN_FIELD', doc.pos([...path, 'fields', i]), `dedupe field '${f}' is not a field of the leads it would compare`, guess !== undefined ? `did you mean ${guess}?` : undefined));
  });
}

const fieldsOf = (entities: ReadonlyMap<string, SourceDoc<Obj>>, entityId: unknown): Fields | undefined => {
  const e = typeof entityId === 'string' ? entities.get(entityId) : undefined;
  return e ? entityFields(e) : undefined;
};

/** An entity's `duplicates` and each assignment's `dedupe`: one document at a time. */
export function checkDedupe(docs: readonly SourceDoc[]): Problem[] {
  const { entities, profiles } = indexDocs(docs);
  const problems: Problem[] = [];
  for (const doc of docsOf(docs, 'Entity')) checkDedupeAt(doc, doc.value.duplicates, ['duplicates'], [entityFields(doc)], problems);
  for (const doc of profiles) {
    const fields = fieldsOf(entities, doc.value.entity);
    list(doc.value.partners).forEach((a, i) => {
      if (isObj(a)) checkDedupeAt(doc, a.dedupe, ['partners', i, 'dedupe'], fields ? [fields] : [], problems);
    });
  }
  return problems;
}

/**
 * A partner's `dedupe` compares the leads of every entity whose profiles assign it: it depends on
 * all the profiles, so it runs on the whole tree (the partners are few). Also `returns.window`.
 */
export function checkPartnerDedupe(docs: readonly SourceDoc[]): Problem[] {
  const { entities } = indexDocs(docs);
  const partnerEntities = entitiesByPartner(docs);
  const problems: Problem[] = [];
  for (const doc of docsOf(docs, 'Partner')) {
    const returns = doc.value.returns;
    if (isObj(returns) && returns.window !== undefined && parseDuration(returns.window) === null) {
      problems.push(problem('INVALID_DURATION', doc.pos(['returns', 'window']), `returns window: ${JSON.stringify(returns.window)} is not a duration`, 'a whole number above 0 and one of m, h, d, e.g. 7d'));
    }
    const seen = [...(partnerEntities.get(str(doc.value.id) ?? '') ?? [])].map((id) => fieldsOf(entities, id)).filter((f) => f !== undefined);
    checkDedupeAt(doc, doc.value.dedupe, ['dedupe'], seen, problems);
  }
  return problems;
}
