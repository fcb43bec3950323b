// Schedules (partner and assignment `schedule`): day names, ranges of hours, closed dates and
// overlapping hours, each at the key or value at fault. Parsing is router/schedule/parse.ts.
import { parseSchedule } from '../../schedule/parse.ts';
import { problem } from '../problems.ts';
import type { DocPath, Problem, SourceDoc } from '../types.ts';
import { docsOf, isObj, list, type Obj } from './shared.ts';

/** Where schedules sit: a partner's and each assignment's. */
function scheduleLocations(docs: readonly SourceDoc[]): { doc: SourceDoc<Obj>; schedule: Obj; path: DocPath }[] {
  const out: { doc: SourceDoc<Obj>; schedule: Obj; path: DocPath }[] = [];
  for (const doc of docsOf(docs, 'Partner')) {
    if (isObj(doc.value.schedule)) out.push({ doc, schedule: doc.value.schedule, path: ['schedule'] });
  }
  for (const doc of docsOf(docs, 'Profile')) {
    list(doc.value.partners).forEach((a, i) => {
      if (isObj(a) && isObj(a.schedule)) out.push({ doc, schedule: a.schedule, path: ['partners', i, 'schedule'] });
    });
  }
  return out;
}

// Keys the schema refuses (SCHEMA_ADDITIONAL_PROPERTIES) are not reported twice.
const SCHEMA_DAY_KEY = /^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?$/;

/** INVALID_SCHEDULE_DAY, INVALID_SCHEDULE_TIME, INVALID_SCHEDULE_DATE, SCHEDULE_OVERLAP. */
export function checkSchedules(docs: readonly SourceDoc[]): Problem[] {
  const problems: Problem[] = [];
  for (const { doc, schedule, path } of scheduleLocations(docs)) {
    for (const issue of parseSchedule(schedule).issues) {
      const key = issue.path[0];
      if (key !== 'closed' && !SCHEMA_DAY_KEY.test(String(key))) continue;
      problems.push(problem(issue.code, doc.pos([...path, ...issue.path]), issue.message, issue.hint));
    }
  }
  return problems;
}
