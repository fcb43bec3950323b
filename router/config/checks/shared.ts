// Helpers shared by the semantic checks. The checks run on every document, including ones the
// schema rejected, so they read values defensively (unknown in, guards everywhere).
import type { DocPath, FieldDef, SourceDoc } from '../types.ts';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function list(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The documents of one kind whose value is a mapping. */
export function docsOf(docs: readonly SourceDoc[], kind: SourceDoc['kind']): SourceDoc<Obj>[] {
  return docs.filter((d): d is SourceDoc<Obj> => d.kind === kind && isObj(d.value));
}

export interface DocIndex {
  /** First Entity document per id. */
  entities: Map<string, SourceDoc<Obj>>;
  /** First Partner document per id. */
  partners: Map<string, SourceDoc<Obj>>;
  profiles: SourceDoc<Obj>[];
  routingTests: SourceDoc<Obj>[];
}

const indexCache = new WeakMap<readonly SourceDoc[], DocIndex>();

/** Ids to documents, computed once per docs list. */
export function indexDocs(docs: readonly SourceDoc[]): DocIndex {
  const cached = indexCache.get(docs);
  if (cached) return cached;
  const byId = (kind: SourceDoc['kind']) => {
    const map = new Map<string, SourceDoc<Obj>>();
    for (const d of docsOf(docs, kind)) {
      const id = str(d.value.id);
      if (id !== undefined && !map.has(id)) map.set(id, d);
    }
    return map;
  };
  const index: DocIndex = {
    entities: byId('Entity'),
    partners: byId('Partner'),
    profiles: docsOf(docs, 'Profile'),
    routingTests: docsOf(docs, 'RoutingTest'),
  };
  indexCache.set(docs, index);
  return index;
}

/** An entity's `fields` mapping (empty when missing or malformed). */
export function entityFields(entity: SourceDoc<Obj> | undefined): Record<string, FieldDef> {
  const fields = entity?.value.fields;
  return isObj(fields) ? (fields as Record<string, FieldDef>) : {};
}

export type FieldLookup =
  | { found: true; def: FieldDef; encrypted: boolean }
  /** Under an object field that declares no `fields`: anything goes, type unknown. */
  | { found: true; def: undefined; encrypted: boolean }
  | { found: false; missing: string; candidates: string[] };

/** Resolves a dotted path (`address.postcode`) through nested `fields` of object fields. */
export function lookupField(fields: Record<string, FieldDef>, path: string): FieldLookup {
  const segments = path.split('.');
  let level: Record<string, FieldDef> = fields;
  let encrypted = false;
  let prefix = '';
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    const def = Object.hasOwn(level, seg) && isObj(level[seg]) ? level[seg] : undefined;
    if (def === undefined) {
      return { found: false, missing: prefix + seg, candidates: Object.keys(level).map((k) => prefix + k) };
    }
    encrypted ||= def.encrypted === true;
    if (i === segments.length - 1) return { found: true, def, encrypted };
    prefix += `${seg}.`;
    if (!isObj(def.fields)) {
      // A free-form object (no declared fields) accepts any sub-path; a scalar does not.
      if (def.type === 'object') return { found: true, def: undefined, encrypted };
      return { found: false, missing: prefix + segments[i + 1], candidates: [] };
    }
    level = def.fields;
  }
  return { found: false, missing: path, candidates: [] };
}

/** Every field path an entity defines, nested ones dotted (for suggestions). */
export function allFieldPaths(fields: Record<string, FieldDef>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [name, def] of Object.entries(fields)) {
    out.push(prefix + name);
    if (isObj(def) && isObj(def.fields)) out.push(...allFieldPaths(def.fields, `${prefix}${name}.`));
  }
  return out;
}

/** Where rule lists sit in a profile: its own rules and each assignment's. */
export function profileRuleLists(profile: Obj): { rules: unknown; path: DocPath }[] {
  const out: { rules: unknown; path: DocPath }[] = [{ rules: profile.rules, path: ['rules'] }];
  list(profile.partners).forEach((a, i) => {
    if (isObj(a) && a.rules !== undefined) out.push({ rules: a.rules, path: ['partners', i, 'rules'] });
  });
  return out;
}

/**
 * A path built only when asked for (`pathOf`): checks walk 100,000s of conditions and report
 * few. A linked list of plain objects, no closures (tsx wraps every closure it creates).
 */
export type LazyPath = { readonly base: DocPath } | { readonly parent: LazyPath; readonly seg: string | number };

export function pathOf(p: LazyPath): DocPath {
  if ('base' in p) return p.base;
  const out: (string | number)[] = [];
  let cur: LazyPath = p;
  while (!('base' in cur)) {
    out.push(cur.seg);
    cur = cur.parent;
  }
  return [...cur.base, ...out.reverse()];
}

export type ConditionVisitor = (cond: Obj, path: LazyPath) => void;

/** Calls `visit` for every condition (a rule that is not an any/all/not group) in a rule list. */
export function forEachCondition(rules: unknown, path: DocPath, visit: ConditionVisitor): void {
  visitList(rules, { base: path }, visit);
}

function visitList(rules: unknown, path: LazyPath, visit: ConditionVisitor): void {
  if (!Array.isArray(rules)) return;
  for (let i = 0; i < rules.length; i++) visitRule(rules[i], { parent: path, seg: i }, visit);
}

function visitRule(rule: unknown, path: LazyPath, visit: ConditionVisitor): void {
  if (!isObj(rule)) return;
  if ('any' in rule || 'all' in rule || 'not' in rule) {
    if ('any' in rule) visitList(rule.any, { parent: path, seg: 'any' }, visit);
    if ('all' in rule) visitList(rule.all, { parent: path, seg: 'all' }, visit);
    if ('not' in rule) visitRule(rule.not, { parent: path, seg: 'not' }, visit);
    return;
  }
  visit(rule, path);
}

/** `${NAME}` references, parsed as routing resolves them (router/env-refs.ts is their one home). */
export { ENV_REF, hasEnvRef, stripEnvRefs } from '../../env-refs.ts';

/** The partners a profile assigns, kept per profile value (unchanged files keep their values across reloads). */
const partnersByProfile = new WeakMap<Obj, readonly string[]>();

function assignedPartners(profile: Obj): readonly string[] {
  let ids = partnersByProfile.get(profile);
  if (!ids) {
    ids = list(profile.partners).map((a) => (isObj(a) ? str(a.partner) : undefined)).filter((id) => id !== undefined);
    partnersByProfile.set(profile, ids);
  }
  return ids;
}

interface PartnerUse {
  /** Per partner, the entities of every profile that assigns it. */
  all: Map<string, Set<string>>;
  /** The same, counting ping-post profiles only. */
  pingPost: Map<string, Set<string>>;
}

const useCache = new WeakMap<readonly SourceDoc[], PartnerUse>();

/**
 * The entities whose profiles assign each partner (of ping-post profiles only, with `pingPost`):
 * a partner's settings are checked against the fields of the leads it can receive. One pass per
 * docs list serves every check that asks.
 */
export function entitiesByPartner(docs: readonly SourceDoc[], only?: 'pingPost'): Map<string, Set<string>> {
  let use = useCache.get(docs);
  if (!use) {
    use = { all: new Map(), pingPost: new Map() };
    const add = (map: Map<string, Set<string>>, partner: string, entity: string) => {
      let set = map.get(partner);
      if (set === undefined) map.set(partner, (set = new Set()));
      set.add(entity);
    };
    for (const p of indexDocs(docs).profiles) {
      const entity = str(p.value.entity);
      if (entity === undefined) continue;
      const pingPost = p.value.strategy === 'ping-post';
      for (const partner of assignedPartners(p.value)) {
        add(use.all, partner, entity);
        if (pingPost) add(use.pingPost, partner, entity);
      }
    }
    useCache.set(docs, use);
  }
  return only === 'pingPost' ? use.pingPost : use.all;
}
