// Delivery settings: URLs, plain http, email addresses, literal secrets, and template placeholders
// or field selections that name fields the entity does not define.
import { problem } from '../problems.ts';
import { didYouMean } from '../suggest.ts';
import type { DocPath, FieldDef, Problem, SourceDoc } from '../types.ts';
import {
  allFieldPaths,
  docsOf,
  entitiesByPartner,
  entityFields,
  ENV_REF,
  hasEnvRef,
  indexDocs,
  isObj,
  list,
  lookupField,
  str,
  stripEnvRefs,
  type Obj,
} from './shared.ts';

interface DeliveryLocation {
  doc: SourceDoc<Obj>;
  delivery: Obj;
  path: DocPath;
}

/** Partner deliveries (used by every profile that assigns the partner) and assignment overrides. */
export function deliveryLocations(docs: readonly SourceDoc[]): DeliveryLocation[] {
  const out: DeliveryLocation[] = [];
  for (const doc of docsOf(docs, 'Partner')) {
    if (isObj(doc.value.delivery)) out.push({ doc, delivery: doc.value.delivery, path: ['delivery'] });
  }
  for (const doc of indexDocs(docs).profiles) out.push(...assignmentDeliveries(doc));
  return out;
}

function assignmentDeliveries(doc: SourceDoc<Obj>): DeliveryLocation[] {
  const out: DeliveryLocation[] = [];
  list(doc.value.partners).forEach((a, i) => {
    if (isObj(a) && isObj(a.delivery)) out.push({ doc, delivery: a.delivery, path: ['partners', i, 'delivery'] });
  });
  return out;
}

/**
 * A partner's delivery, checked against the fields of every entity whose profiles assign the
 * partner: it depends on all the profiles, so it runs on the whole tree (the partners are few).
 */
export function checkPartnerDelivery(docs: readonly SourceDoc[]): Problem[] {
  const { entities } = indexDocs(docs);
  const entitiesOfPartner = entitiesByPartner(docs);
  const problems: Problem[] = [];
  for (const doc of docsOf(docs, 'Partner')) {
    if (!isObj(doc.value.delivery)) continue;
    const used = [...(entitiesOfPartner.get(str(doc.value.id) ?? '') ?? [])];
    checkDeliveryAt({ doc, delivery: doc.value.delivery, path: ['delivery'] }, used, entities, problems);
  }
  return problems;
}

/** An assignment's own delivery, checked against its profile's entity: one document at a time. */
export function checkAssignmentDelivery(docs: readonly SourceDoc[]): Problem[] {
  const { entities, profiles } = indexDocs(docs);
  const problems: Problem[] = [];
  for (const doc of profiles) {
    const entity = str(doc.value.entity);
    for (const loc of assignmentDeliveries(doc)) checkDeliveryAt(loc, entity === undefined ? [] : [entity], entities, problems);
  }
  return problems;
}

/** INVALID_URL, INSECURE_URL, INVALID_EMAIL, LITERAL_SECRET, UNKNOWN_TEMPLATE_FIELD for one delivery sending leads of `used` entities. */
function checkDeliveryAt(loc: DeliveryLocation, used: readonly string[], entities: ReadonlyMap<string, SourceDoc<Obj>>, problems: Problem[]): void {
  const { doc, delivery, path } = loc;
  const known = used
    .map((id) => ({ id, fields: entities.has(id) ? entityFields(entities.get(id)) : undefined }))
    .filter((e): e is { id: string; fields: Record<string, FieldDef> } => e.fields !== undefined);
  const fieldCheck = (name: string, at: DocPath, what: string, builtins: boolean) =>
    checkTemplateField(doc, name, at, what, builtins, known, problems);

  const webhook = delivery.webhook;
  if (isObj(webhook)) {
    const base = [...path, 'webhook'];
    if (typeof webhook.url === 'string') checkUrl(doc, webhook.url, webhook.insecure === true, [...base, 'url'], problems);
    if (isObj(webhook.headers)) {
      for (const [name, value] of Object.entries(webhook.headers)) {
        if (typeof value === 'string' && isSecretHeader(name) && !isEnvOnly(value, true)) {
          problems.push(
            problem('LITERAL_SECRET', doc.pos([...base, 'headers', name]), `header '${name}' holds a literal secret`, `reference an environment variable instead, e.g. ${name}: "${exampleFor(name)}"`),
          );
        }
      }
    }
    if (typeof webhook.signingSecret === 'string' && !isEnvOnly(webhook.signingSecret, false)) {
      problems.push(
        problem('LITERAL_SECRET', doc.pos([...base, 'signingSecret']), 'signingSecret holds a literal secret', 'reference an environment variable instead, e.g. signingSecret: ${PARTNER_SIGNING_SECRET}'),
      );
    }
    list(webhook.fields).forEach((f, i) => typeof f === 'string' && fieldCheck(f, [...base, 'fields', i], 'fields', false));
    forEachString(webhook.template, [...base, 'template'], (s, at) => {
      for (const name of placeholders(s)) fieldCheck(name, at, 'template', true);
    });
  }

  const email = delivery.email;
  if (isObj(email)) {
    const base = [...path, 'email'];
    for (const key of ['to', 'cc'] as const) {
      const value = email[key];
      const items = typeof value === 'string' ? [{ v: value, at: [...base, key] }] : list(value).map((v, i) => ({ v, at: [...base, key, i] }));
      for (const { v, at } of items) if (typeof v === 'string') checkEmail(doc, v, at, key, problems);
    }
    if (typeof email.from === 'string') checkEmail(doc, email.from, [...base, 'from'], 'from', problems);
    for (const key of ['subject', 'body'] as const) {
      if (typeof email[key] === 'string') for (const name of placeholders(email[key])) fieldCheck(name, [...base, key], key, true);
    }
    list(email.fields).forEach((f, i) => typeof f === 'string' && fieldCheck(f, [...base, 'fields', i], 'fields', false));
  }
}

// --- URLs

const isLoopback = (host: string) =>
  host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

export function checkUrl(doc: SourceDoc, url: string, insecure: boolean, at: DocPath, out: Problem[]): void {
  // `${ENV}` parts are filled in at load time; a URL that is only a reference cannot be judged.
  if (hasEnvRef(url) && stripEnvRefs(url).trim() === '') return;
  let parsed: URL;
  try {
    parsed = new URL(url.replace(ENV_REF, 'env'));
  } catch {
    out.push(problem('INVALID_URL', doc.pos(at), `url ${JSON.stringify(url)} is not a valid absolute URL`, 'write it as https://host/path'));
    return;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    out.push(problem('INVALID_URL', doc.pos(at), `url ${JSON.stringify(url)} must use https (got ${parsed.protocol.replace(':', '')})`));
    return;
  }
  if (parsed.hostname === '') {
    out.push(problem('INVALID_URL', doc.pos(at), `url ${JSON.stringify(url)} has no host`));
    return;
  }
  if (parsed.protocol === 'http:' && !insecure && !isLoopback(parsed.hostname)) {
    out.push(
      problem('INSECURE_URL', doc.pos(at), `url ${JSON.stringify(url)} uses plain http to ${parsed.hostname}`, 'use https, or set insecure: true on this webhook if the partner really has no TLS'),
    );
  }
}

// --- Email addresses

// Deliberately simple: one @, a dotted domain, no spaces or brackets. `Name <addr>` is allowed.
const ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

export function isValidEmail(text: string): boolean {
  const named = /^[^<>]*<([^<>]+)>$/.exec(text.trim());
  return ADDRESS.test(named ? named[1] : text.trim());
}

function checkEmail(doc: SourceDoc, address: string, at: DocPath, key: string, out: Problem[]): void {
  if (hasEnvRef(address) || isValidEmail(address)) return;
  out.push(problem('INVALID_EMAIL', doc.pos(at), `${key}: ${JSON.stringify(address)} is not a valid email address`, 'write it as name@example.com (or "Name <name@example.com>")'));
}

// --- Secrets

/** Header names whose values are secrets: Authorization, *-Key / *key, anything with token, secret or password. */
export function isSecretHeader(name: string): boolean {
  return /authorization|token|secret|password/i.test(name) || /key$/i.test(name);
}

/**
 * True when a value is built only from `${ENV}` references. For headers an auth scheme word in
 * front (`Bearer ${X}`, `Basic ${X}`) and separators between references (`${U}:${P}`) are allowed.
 */
export function isEnvOnly(value: string, allowScheme: boolean): boolean {
  if (value.trim() === '') return true;
  if (!hasEnvRef(value)) return false;
  const rest = stripEnvRefs(value);
  return allowScheme ? /^\s*(?:[A-Za-z][A-Za-z0-9_-]*\s+)?[\s:._/-]*$/.test(rest) : rest.trim() === '';
}

export function exampleFor(header: string): string {
  const env = header.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_|_$/g, '');
  return /authorization/i.test(header) ? 'Bearer ${PARTNER_TOKEN}' : `\${PARTNER_${env}}`;
}

// --- Template fields

/** Facts of the delivery a placeholder may name besides lead fields (router/delivery/channels/template-data.ts). */
const TEMPLATE_BUILTINS = new Set(['leadId', 'entity', 'profile', 'partner', 'price', 'receivedAt', 'test', 'lead', 'pingId', 'bidId']);
const PLACEHOLDER = /\{\{\s*([^{}\s]+)\s*\}\}/g;

export function placeholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]);
}

function forEachString(value: unknown, path: DocPath, visit: (s: string, path: DocPath) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => forEachString(v, [...path, i], visit));
  else if (isObj(value)) for (const [k, v] of Object.entries(value)) forEachString(v, [...path, k], visit);
}

function checkTemplateField(
  doc: SourceDoc,
  name: string,
  at: DocPath,
  what: string,
  builtins: boolean,
  entities: { id: string; fields: Record<string, FieldDef> }[],
  out: Problem[],
): void {
  let field = name;
  if (builtins) {
    if (name.startsWith('lead.')) field = name.slice('lead.'.length);
    else if (TEMPLATE_BUILTINS.has(name.split('.')[0])) return;
  }
  const missingIn = entities.filter((e) => !lookupField(e.fields, field).found);
  if (missingIn.length === 0) return;
  const ids = missingIn.map((e) => e.id).join(', ');
  const shown = what === 'fields' ? `fields selects '${field}'` : `${what} placeholder {{${name}}}`;
  out.push(
    problem('UNKNOWN_TEMPLATE_FIELD', doc.pos(at), `${shown}, which entity ${ids} does not define; it will be empty`, didYouMean(field, allFieldPaths(missingIn[0].fields))),
  );
}
