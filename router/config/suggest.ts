// "Did you mean …?" for misspelt ids, fields and enum values.
import { closest, distance } from 'fastest-levenshtein';

/** The nearest candidate when it is close enough to be a plausible typo, else undefined. */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates].filter((c) => c !== word);
  if (list.length === 0 || word === '') return undefined;
  const lower = word.toLowerCase();
  const caseOnly = list.find((c) => c.toLowerCase() === lower);
  if (caseOnly !== undefined) return caseOnly;
  const best = closest(word, list);
  // Roughly one edit per three characters, at least two (a swap of two letters is two edits);
  // beyond that a suggestion is noise.
  const limit = Math.max(2, Math.floor(Math.max(word.length, best.length) / 3));
  if (best.length <= 2 && word.length <= 2) return distance(word, best) <= 1 ? best : undefined;
  return distance(word, best) <= limit ? best : undefined;
}

/** `did you mean X?` or undefined. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const best = nearest(word, candidates);
  return best === undefined ? undefined : `did you mean ${best}?`;
}
