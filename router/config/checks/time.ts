// Timezones (IANA names) and durations.
import { EVERY_UNITS, parseDuration, TIMEOUT_UNITS, type DurationUnit } from '../duration.ts';
import { problem } from '../problems.ts';
import { nearest } from '../suggest.ts';
import type { DocPath, Problem, SourceDoc } from '../types.ts';
import { capsLocations } from './caps.ts';
import { deliveryLocations } from './delivery.ts';
import { docsOf, isObj, list } from './shared.ts';

let zones: Set<string> | undefined;
function knownZones(): Set<string> {
  zones ??= new Set(['UTC', ...Intl.supportedValuesOf('timeZone')]);
  return zones;
}

/** True for an IANA zone name Intl knows (aliases such as Etc/UTC or US/Eastern included). */
function isValidTimezone(tz: string): boolean {
  if (knownZones().has(tz)) return true;
  // Offsets ("+05:00") are accepted by newer Intl versions but are not zone names.
  if (!/^[A-Za-z]/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** INVALID_TIMEZONE on Partner and Entity `timezone`. */
export function checkTimezones(docs: readonly SourceDoc[]): Problem[] {
  const problems: Problem[] = [];
  for (const doc of [...docsOf(docs, 'Entity'), ...docsOf(docs, 'Partner')]) {
    const tz = doc.value.timezone;
    if (typeof tz !== 'string' || isValidTimezone(tz)) continue;
    const guess = nearest(tz, knownZones());
    problems.push(
      problem('INVALID_TIMEZONE', doc.pos(['timezone']), `unknown timezone '${tz}'`, guess !== undefined ? `did you mean ${guess}?` : 'use an IANA zone name such as America/New_York or UTC'),
    );
  }
  return problems;
}

/** INVALID_DURATION on webhook `timeout` and custom cap `every`. */
export function checkDurations(docs: readonly SourceDoc[]): Problem[] {
  const problems: Problem[] = [];
  const check = (doc: SourceDoc, value: unknown, path: DocPath, what: string, units: readonly DurationUnit[], example: string) => {
    if (value === undefined || parseDuration(value, units) !== null) return;
    problems.push(
      problem('INVALID_DURATION', doc.pos(path), `${what}: ${JSON.stringify(value)} is not a duration`, `a whole number above 0 and one of ${units.join(', ')}, e.g. ${example}`),
    );
  };
  for (const { doc, delivery, path } of deliveryLocations(docs)) {
    if (isObj(delivery.webhook)) check(doc, delivery.webhook.timeout, [...path, 'webhook', 'timeout'], 'webhook timeout', TIMEOUT_UNITS, '10s');
  }
  for (const { doc, caps, path } of capsLocations(docs)) {
    list(caps.custom).forEach((c, i) => {
      if (isObj(c)) check(doc, c.every, [...path, 'custom', i, 'every'], 'custom cap every', EVERY_UNITS, '36h');
    });
  }
  return problems;
}
