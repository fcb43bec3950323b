// Regular expressions of profiles (`matches` rules, entity field `pattern`s) run on RE2 (re2js,
// pure JavaScript): matching is linear in the input, so no pattern and no lead value can stall
// the router the way a backtracking engine can (`^([0-9]+-?)+$` against 40 digits and `!`).
// re2js over the native `re2` binding: no compiler or prebuilt binary to fetch at install, and it
// runs unchanged in worker threads; it is slower per call than V8's engine (about 1 µs for a
// short value), which a lead pays a few times at most.
//
// The syntax is RE2's: JavaScript's own minus backreferences (`\1`, `\k<name>`) and lookaround
// (`(?=`, `(?!`, `(?<=`, `(?<!`), which need backtracking. Such a pattern is refused at load.
import { RE2JS } from 're2js';

/** A compiled pattern: `test` searches (no implicit anchors), like RegExp#test. */
export interface LinearRegex {
  test(input: string): boolean;
}

/** Why a pattern cannot be used: not a regular expression at all, or one RE2 cannot run. */
export interface RegexIssue {
  code: 'INVALID_REGEX' | 'UNSUPPORTED_REGEX';
  /** The reason, without the pattern (e.g. `invalid or unsupported Perl syntax: (?=`). */
  reason: string;
}

const UNSUPPORTED_HINT = 'patterns run on a linear-time engine (RE2 syntax): backreferences and lookahead/lookbehind are not supported';

/**
 * Largest compiled program a pattern may have. Matching is linear in the input, but each step
 * can cost up to the program's size: `[a-z]{1000}` takes 200 ms on a 1,000-character value once
 * its automaton outgrows its cache. Everyday patterns are far below (an email check: 13).
 */
const MAX_PROGRAM_SIZE = 500;

/** Compiles `source`; throws (a RegexIssue's reason as the message) when it cannot be used. */
export function compileRegex(source: string, ignoreCase = false): LinearRegex {
  const { re, issue } = compiled(source, ignoreCase);
  if (issue) throw new Error(issue.reason);
  return re!;
}

/** null when `source` compiles; else what is wrong with it. */
export function regexIssue(source: string, ignoreCase = false): RegexIssue | null {
  return compiled(source, ignoreCase).issue;
}

// Compiling costs about 150 µs (V8: 3 µs), and a tree repeats the same few patterns across many
// rules, checked at load and compiled again when first used: each distinct pattern is compiled
// once and shared (a compiled pattern keeps no state between calls). Bounded: cleared when full.
const MAX_CACHED = 10_000;
const cache = new Map<string, { re: RE2JS | null; issue: RegexIssue | null }>();

function compiled(source: string, ignoreCase: boolean): { re: RE2JS | null; issue: RegexIssue | null } {
  const key = (ignoreCase ? 'i:' : '-:') + source;
  let entry = cache.get(key);
  if (entry === undefined) {
    if (cache.size >= MAX_CACHED) cache.clear();
    entry = compile(source, ignoreCase);
    cache.set(key, entry);
  }
  return entry;
}

function compile(source: string, ignoreCase: boolean): { re: RE2JS | null; issue: RegexIssue | null } {
  let re: RE2JS;
  try {
    re = RE2JS.compile(source, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (err) {
    const re2Reason = reasonOf(err);
    try {
      // JavaScript accepts it: a feature RE2 does not have (the pattern itself is not wrong).
      new RegExp(source, ignoreCase ? 'i' : '');
    } catch (jsErr) {
      return { re: null, issue: { code: 'INVALID_REGEX', reason: jsReason(jsErr) } };
    }
    return { re: null, issue: { code: 'UNSUPPORTED_REGEX', reason: `${re2Reason} (${UNSUPPORTED_HINT})` } };
  }
  const size = re.programSize();
  if (size <= MAX_PROGRAM_SIZE) return { re, issue: null };
  return {
    re: null,
    issue: {
      code: 'UNSUPPORTED_REGEX',
      reason: `the pattern is too large to match quickly (${size} instructions, at most ${MAX_PROGRAM_SIZE}): large repeat counts such as {1,1000} grow it; limit a field's length with maxLength instead`,
    },
  };
}

/** How a pattern is shown in messages: `/source/` with `i` for ignoreCase. */
export function showRegex(source: string, ignoreCase: boolean): string {
  const flags = ignoreCase ? 'i' : '';
  try {
    return String(new RegExp(source, flags)); // escapes `/` as JavaScript writes it; never run
  } catch {
    return `/${source}/${flags}`;
  }
}

function reasonOf(err: unknown): string {
  // "error parsing regexp: invalid escape sequence: `\1`" -> "invalid escape sequence: `\1`"
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^error parsing regexp: /, '');
}

function jsReason(err: unknown): string {
  // "Invalid regular expression: /(/: Unterminated group" -> "Unterminated group"
  const message = err instanceof Error ? err.message : String(err);
  const i = message.lastIndexOf(': ');
  return i >= 0 ? message.slice(i + 2) : message;
}
