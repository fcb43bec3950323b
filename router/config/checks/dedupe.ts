// Duplicate checks (entity `duplicates`, partner and assignment `dedupe`): every listed field is a
// field of the leads it will see, and the window is a duration.
import { nearest } from '../suggest.ts';
import { parseDuration } from '../duration.ts';
import { problem } from '../problems.ts';
import type { DocPath, FieldDef, Problem, SourceDoc } from '../types.ts';
import { allFieldPaths, docsOf, entitiesByPartner, entityFields, indexDocs, isObj, list, lookupField, str, type Obj } from './shared.ts';

/** DEDUPE_UNKNOWN_FIELD and INVALID_DURATION (dedupe windows, and partner `returns.window`). */
export function checkDedupe(docs: readonly SourceDoc[]): Problem[] {
  const { entities } = indexDocs(docs);
  const problems: Problem[] = [];
  const fieldsOf = (entityId: unknown) => {
    const e = typeof entityId === 'string' ? entities.get(entityId) : undefined;
    return e ? entityFields(e) : undefined;
  };
  const check = (doc: SourceDoc<Obj>, spec: unknown, path: DocPath, entitiesSeen: Record<string, FieldDef>[]) => {
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
  };

  for (const doc of docsOf(docs, 'Entity')) check(doc, doc.value.duplicates, ['duplicates'], [entityFields(doc)]);
  for (const doc of docsOf(docs, 'Profile')) {
    const fields = fieldsOf(doc.value.entity);
    list(doc.value.partners).forEach((a, i) => {
      if (isObj(a)) check(doc, a.dedupe, ['partners', i, 'dedupe'], fields ? [fields] : []);
    });
  }
  // A partner's dedupe compares the leads of every entity whose profiles assign it.
  const partnerEntities = entitiesByPartner(docs);
  for (const doc of docsOf(docs, 'Partner')) {
    const returns = doc.value.returns;
    if (isObj(returns) && returns.window !== undefined && parseDuration(returns.window) === null) {
      problems.push(problem('INVALID_DURATION', doc.pos(['returns', 'window']), `returns window: ${JSON.stringify(returns.window)} is not a duration`, 'a whole number above 0 and one of m, h, d, e.g. 7d'));
    }
    const id = str(doc.value.id);
    const seen = [...(partnerEntities.get(id ?? '') ?? [])].map(fieldsOf).filter((f) => f !== undefined);
    check(doc, doc.value.dedupe, ['dedupe'], seen);
  }
  return problems;
}
