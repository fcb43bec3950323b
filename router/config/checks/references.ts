// Ids and references between documents: duplicate ids, unknown entities and partners,
// a partner assigned twice in one profile.
import { problem } from '../problems.ts';
import { didYouMean } from '../suggest.ts';
import type { Problem, SourceDoc, SourcePos } from '../types.ts';
import { docsOf, indexDocs, isObj, list, str, type Obj } from './shared.ts';

const where = (p: SourcePos) => `${p.file}:${p.line}:${p.col}`;

/** DUPLICATE_ID: ids are unique per kind; profile ids are unique per entity. */
export function checkDuplicateIds(docs: readonly SourceDoc[]): Problem[] {
  const problems: Problem[] = [];
  const scan = (group: SourceDoc<Obj>[], scopeOf: (d: SourceDoc<Obj>) => string, label: (d: SourceDoc<Obj>) => string) => {
    const seen = new Map<string, SourceDoc<Obj>>();
    for (const d of group) {
      const id = str(d.value.id);
      if (id === undefined) continue;
      const key = `${scopeOf(d)}\0${id}`;
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, d);
        continue;
      }
      problems.push(
        problem('DUPLICATE_ID', d.pos(['id']), `duplicate ${label(d)} id '${id}' (first defined at ${where(first.pos(['id']))})`),
      );
    }
  };
  scan(docsOf(docs, 'Entity'), () => '', () => 'Entity');
  scan(docsOf(docs, 'Partner'), () => '', () => 'Partner');
  scan(
    docsOf(docs, 'Profile'),
    (d) => String(d.value.entity),
    (d) => `Profile (entity ${String(d.value.entity)})`,
  );
  return problems;
}

/** UNKNOWN_ENTITY: a profile's or routing test's entity must be defined. */
export function checkEntityReferences(docs: readonly SourceDoc[]): Problem[] {
  const { entities, profiles, routingTests } = indexDocs(docs);
  const problems: Problem[] = [];
  for (const d of [...profiles, ...routingTests]) {
    const entity = str(d.value.entity);
    if (entity === undefined || entities.has(entity)) continue;
    problems.push(
      problem(
        'UNKNOWN_ENTITY',
        d.pos(['entity']),
        `${d.kind} refers to unknown entity '${entity}'`,
        didYouMean(entity, entities.keys()) ?? hintKnown('entities', entities.keys()),
      ),
    );
  }
  return problems;
}

/** UNKNOWN_PARTNER and DUPLICATE_ASSIGNMENT for every profile's partner list. */
export function checkPartnerReferences(docs: readonly SourceDoc[]): Problem[] {
  const { partners, profiles } = indexDocs(docs);
  const problems: Problem[] = [];
  for (const d of profiles) {
    const assigned = new Map<string, number>();
    list(d.value.partners).forEach((a, i) => {
      if (!isObj(a)) return;
      const id = str(a.partner);
      if (id === undefined) return;
      // Positions cost a parse of the file's AST: ask only when there is a problem.
      const at = () => d.pos(['partners', i, 'partner']);
      if (!partners.has(id)) {
        problems.push(
          problem('UNKNOWN_PARTNER', at(), `unknown partner '${id}' in partners[${i}]`, didYouMean(id, partners.keys()) ?? hintKnown('partners', partners.keys())),
        );
      }
      const first = assigned.get(id);
      if (first !== undefined) {
        problems.push(
          problem('DUPLICATE_ASSIGNMENT', at(), `partner '${id}' is assigned twice in profile '${String(d.value.id)}' (partners[${first}] and partners[${i}])`, 'merge the two assignments; use rules inside one assignment for different conditions'),
        );
      } else {
        assigned.set(id, i);
      }
    });
  }
  return problems;
}

function hintKnown(what: string, ids: Iterable<string>): string | undefined {
  const all = [...ids];
  if (all.length === 0) return `no ${what} are defined`;
  if (all.length <= 8) return `known ${what}: ${all.join(', ')}`;
  return undefined;
}
