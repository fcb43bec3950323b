// Ping-post settings: what a ping may carry (known fields, never encrypted ones), where it goes
// (the delivery URL rules), its secrets (`${ENV}` references only) and its deadlines; and
// ping-post profiles whose partners could never bid.
import { parseDuration, TIMEOUT_UNITS } from '../duration.ts';
import { problem } from '../problems.ts';
import { didYouMean } from '../suggest.ts';
import type { DocPath, Problem, SourceDoc } from '../types.ts';
import { checkUrl, exampleFor, isEnvOnly, isSecretHeader } from './delivery.ts';
import { allFieldPaths, docsOf, entitiesByPartner, entityFields, indexDocs, isObj, list, lookupField, str, type Obj } from './shared.ts';

interface PingLocation {
  doc: SourceDoc<Obj>;
  ping: Obj;
  path: DocPath;
}

/**
 * A partner's ping, checked against the entities of the ping-post profiles that use it: it
 * depends on all the profiles, so it runs on the whole tree (the partners are few).
 */
export function checkPartnerPings(docs: readonly SourceDoc[]): Problem[] {
  const { entities } = indexDocs(docs);
  const entitiesOfPartner = entitiesByPartner(docs, 'pingPost');
  const problems: Problem[] = [];
  for (const doc of docsOf(docs, 'Partner')) {
    if (!isObj(doc.value.ping)) continue;
    const used = [...(entitiesOfPartner.get(str(doc.value.id) ?? '') ?? [])];
    checkPingAt({ doc, ping: doc.value.ping, path: ['ping'] }, used, entities, problems);
  }
  return problems;
}

/** Assignment pings and the ping-post settings of each profile: one document at a time. */
export function checkProfilePings(docs: readonly SourceDoc[]): Problem[] {
  const { entities, partners, profiles } = indexDocs(docs);
  const problems: Problem[] = [];
  for (const doc of profiles) {
    const entity = str(doc.value.entity);
    list(doc.value.partners).forEach((a, i) => {
      if (isObj(a) && isObj(a.ping)) checkPingAt({ doc, ping: a.ping, path: ['partners', i, 'ping'] }, entity === undefined ? [] : [entity], entities, problems);
    });
  }
  for (const doc of profiles) {
    const pingPost = doc.value.strategy === 'ping-post';
    const auction = doc.value.auction;
    if (!pingPost) {
      if (auction !== undefined) problems.push(problem('AUCTION_UNUSED', doc.pos(['auction']), `auction is set but strategy is ${JSON.stringify(doc.value.strategy ?? 'first-match')}: it has no effect`, 'set strategy: ping-post, or remove auction'));
      continue;
    }
    if (isObj(auction) && auction.timeout !== undefined && parseDuration(auction.timeout, ['ms', 's']) === null) {
      problems.push(problem('INVALID_DURATION', doc.pos(['auction', 'timeout']), `auction timeout: ${JSON.stringify(auction.timeout)} is not a duration`, 'a whole number above 0 and ms or s, e.g. 800ms'));
    }
    list(doc.value.partners).forEach((a, i) => {
      if (!isObj(a) || isObj(a.ping)) return;
      const id = str(a.partner);
      const partner = id === undefined ? undefined : partners.get(id);
      if (!partner || isObj(partner.value.ping)) return;
      problems.push(problem('PING_MISSING', doc.pos(['partners', i, 'partner']), `partner '${id}' has no ping settings: this ping-post profile never asks it for a bid, so it never gets a lead here`, 'add ping: { url, fields } to the partner, or to this assignment'));
    });
  }
  return problems;
}

/** PING_FIELD_UNKNOWN, PING_FIELD_ENCRYPTED, INVALID_URL, INSECURE_URL, LITERAL_SECRET, INVALID_DURATION for one ping carrying leads of `used` entities. */
function checkPingAt(loc: PingLocation, used: readonly string[], entities: ReadonlyMap<string, SourceDoc<Obj>>, problems: Problem[]): void {
  const { doc, ping, path } = loc;
  if (typeof ping.url === 'string') checkUrl(doc, ping.url, ping.insecure === true, [...path, 'url'], problems);
  if (isObj(ping.headers)) {
    for (const [name, value] of Object.entries(ping.headers)) {
      if (typeof value === 'string' && isSecretHeader(name) && !isEnvOnly(value, true)) {
        problems.push(problem('LITERAL_SECRET', doc.pos([...path, 'headers', name]), `header '${name}' holds a literal secret`, `reference an environment variable instead, e.g. ${name}: "${exampleFor(name)}"`));
      }
    }
  }
  if (typeof ping.signingSecret === 'string' && !isEnvOnly(ping.signingSecret, false)) {
    problems.push(problem('LITERAL_SECRET', doc.pos([...path, 'signingSecret']), 'signingSecret holds a literal secret', 'reference an environment variable instead, e.g. signingSecret: ${PARTNER_SIGNING_SECRET}'));
  }
  if (ping.timeout !== undefined && parseDuration(ping.timeout, TIMEOUT_UNITS) === null) {
    problems.push(problem('INVALID_DURATION', doc.pos([...path, 'timeout']), `ping timeout: ${JSON.stringify(ping.timeout)} is not a duration`, 'a whole number above 0 and one of ms, s, m, e.g. 500ms'));
  }
  list(ping.fields).forEach((f, i) => {
    if (typeof f !== 'string') return;
    for (const id of used) {
      const entity = entities.get(id);
      if (!entity) continue;
      const fields = entityFields(entity);
      const found = lookupField(fields, f);
      const at = doc.pos([...path, 'fields', i]);
      if (!found.found) {
        problems.push(problem('PING_FIELD_UNKNOWN', at, `ping fields names '${f}', which entity ${id} does not define`, didYouMean(f, allFieldPaths(fields))));
        break;
      }
      if (found.encrypted) {
        problems.push(problem('PING_FIELD_ENCRYPTED', at, `ping fields names '${f}', an encrypted field of entity ${id}: a ping never carries encrypted fields`, 'leave it out: the winner gets it with the full lead'));
        break;
      }
    }
  });
}
