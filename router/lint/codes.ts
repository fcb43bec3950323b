// The lint codes `npm run validate` adds after a tree loads. Like the loader's codes (config/codes.ts)
// they are public: add new ones, never rename or reuse one. None is an error: lints never fail CI.
import type { CodeInfo } from '../config/codes.ts';

export const LINT_CODES = {
  PROFILE_NO_ACTIVE_PARTNER: {
    severity: 'warning',
    meaning: 'An enabled profile has no active partner (every assignment or its partner is inactive): it routes nothing.',
  },
  ASSIGNMENT_UNREACHABLE: {
    severity: 'warning',
    meaning:
      'In a first-match profile, a higher-priority partner with no rules and no caps always takes the lead first: this assignment only gets leads that partner rejects.',
  },
  SCHEDULE_NEVER_OPEN: {
    severity: 'warning',
    meaning: "A schedule names no hours, or an assignment's schedule shares no hour of the week with its partner's: that partner is never eligible there.",
  },
  PROFILES_OVERLAP: {
    severity: 'info',
    meaning: 'Two enabled profiles of one entity both match a sample or test lead: both will route it.',
  },
  PROFILE_NEVER_MATCHED: {
    severity: 'warning',
    meaning: "An enabled profile's rules match none of its entity's sample and test leads (only checked when the entity has some).",
  },
  SAMPLE_INVALID: {
    severity: 'warning',
    meaning: 'A sample lead (samples/*.jsonl) or a routing test lead is not valid JSON or not a valid lead of its entity: the router would refuse it.',
  },
} as const satisfies Record<string, CodeInfo>;

export type LintCode = keyof typeof LINT_CODES;

export function describeLintCodes(): { code: LintCode; severity: CodeInfo['severity']; meaning: string }[] {
  return (Object.keys(LINT_CODES) as LintCode[]).map((code) => ({ code, ...LINT_CODES[code] }));
}
