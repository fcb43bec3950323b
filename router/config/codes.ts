// Every problem code the loader can report, with its severity and meaning. The codes are part of
// the public interface (CI scripts grep for them): add new ones, never rename or reuse one.
import type { Severity } from './types.ts';

export interface CodeInfo {
  severity: Severity;
  /** One line, for the README table and `validate --codes`. */
  meaning: string;
}

export const PROBLEM_CODES = {
  // Reading and parsing
  NO_FILES: { severity: 'error', meaning: 'The directory holds no *.yaml or *.yml file.' },
  READ_ERROR: { severity: 'error', meaning: 'A file could not be read.' },
  YAML_SYNTAX: { severity: 'error', meaning: 'The file is not valid YAML (position from the YAML parser).' },
  YAML_DUPLICATE_KEY: { severity: 'error', meaning: 'A mapping has the same key twice.' },
  YAML_WARNING: { severity: 'warning', meaning: 'The YAML parser warned about the file (e.g. an unknown tag).' },
  EMPTY_FILE: { severity: 'error', meaning: 'A file holds no document (only comments or nothing).' },
  EMPTY_DOCUMENT: { severity: 'error', meaning: 'A `---` document is empty (often a stray `---`).' },
  NOT_A_MAPPING: { severity: 'error', meaning: 'A document is not a mapping of fields.' },
  MISSING_KIND: { severity: 'error', meaning: 'A document has no `kind`.' },
  UNKNOWN_KIND: { severity: 'error', meaning: '`kind` is not Entity, Partner, Profile or RoutingTest.' },
  // JSON Schema: SCHEMA_ + the failed keyword in UPPER_SNAKE case. These are the ones our schemas can raise.
  SCHEMA_REQUIRED: { severity: 'error', meaning: 'A required field is missing (points at the mapping that lacks it).' },
  SCHEMA_ADDITIONAL_PROPERTIES: { severity: 'error', meaning: 'A field the schema does not define (points at the key; suggests the nearest one).' },
  SCHEMA_TYPE: { severity: 'error', meaning: 'A value has the wrong type (e.g. a string where a number belongs).' },
  SCHEMA_ENUM: { severity: 'error', meaning: 'A value is not one of the allowed values.' },
  SCHEMA_CONST: { severity: 'error', meaning: 'A value is not the one allowed value.' },
  SCHEMA_PATTERN: { severity: 'error', meaning: 'A string does not match the required pattern (e.g. an id).' },
  SCHEMA_MINIMUM: { severity: 'error', meaning: 'A number is too small (e.g. a negative price).' },
  SCHEMA_MIN_ITEMS: { severity: 'error', meaning: 'A list has too few items (e.g. a profile with no partners).' },
  SCHEMA_MAX_ITEMS: { severity: 'error', meaning: 'A list has too many items (e.g. `between` with three numbers).' },
  SCHEMA_MIN_LENGTH: { severity: 'error', meaning: 'A string is too short (e.g. an empty name).' },
  SCHEMA_MAX_LENGTH: { severity: 'error', meaning: 'A string is too long (ids: at most 100 characters).' },
  SCHEMA_MIN_PROPERTIES: { severity: 'error', meaning: 'A mapping is empty where entries are needed (e.g. an entity with no fields).' },
  SCHEMA_UNIQUE_ITEMS: { severity: 'error', meaning: 'A list holds the same item twice (enum values, field selections).' },
  SCHEMA_PROPERTY_NAMES: { severity: 'error', meaning: 'A key is not a valid name (a field name or header name; points at the key).' },
  SCHEMA_ONE_OF: { severity: 'error', meaning: 'A value matches none or several of its allowed forms (e.g. a condition with no operator, or two).' },
  SCHEMA_ANY_OF: { severity: 'error', meaning: 'A value matches none of its allowed forms.' },
  // Semantic checks: references
  DUPLICATE_ID: { severity: 'error', meaning: 'Two documents of one kind share an id (profile ids: per entity).' },
  UNKNOWN_ENTITY: { severity: 'error', meaning: 'A profile or routing test names an entity that is not defined.' },
  UNKNOWN_PARTNER: { severity: 'error', meaning: 'An assignment names a partner that is not defined.' },
  DUPLICATE_ASSIGNMENT: { severity: 'error', meaning: 'A profile assigns the same partner twice.' },
  // Semantic checks: rules
  UNKNOWN_FIELD: { severity: 'error', meaning: 'A rule tests a field the entity does not define (dotted paths included).' },
  ENCRYPTED_FIELD_IN_RULE: { severity: 'error', meaning: 'A rule tests an encrypted field; encrypted fields can never be used in rules.' },
  OPERATOR_TYPE_MISMATCH: { severity: 'error', meaning: "An operator or value does not fit the field's type (e.g. gt on a string, startsWith on a number)." },
  BETWEEN_MIN_GT_MAX: { severity: 'error', meaning: '`between: [min, max]` with min greater than max: it can never match.' },
  INVALID_REGEX: { severity: 'error', meaning: 'A `matches` rule or an entity field `pattern` is not a valid regular expression.' },
  UNSUPPORTED_REGEX: { severity: 'error', meaning: 'A `matches` rule or an entity field `pattern` uses a backreference or lookaround, or is too large (e.g. `{1,1000}`): patterns run on a linear-time engine (RE2 syntax).' },
  VALUE_NOT_IN_ENUM: { severity: 'error', meaning: "A rule compares a field with a value outside the field's enum: it can never match." },
  // Semantic checks: caps and time
  CAP_NOT_POSITIVE_INTEGER: { severity: 'error', meaning: 'A cap is not a whole number of at least 1.' },
  CAP_PERIOD_INCONSISTENT: { severity: 'warning', meaning: 'A shorter period has a larger cap than a longer one (e.g. day 500, month 100): the smaller one wins.' },
  INVALID_TIMEZONE: { severity: 'error', meaning: 'A timezone is not an IANA zone name (e.g. America/New_York, UTC).' },
  INVALID_DURATION: { severity: 'error', meaning: 'A duration (`timeout`, custom cap `every`) does not parse (use e.g. 1500ms, 10s, 36h, 7d).' },
  INVALID_SCHEDULE_DAY: { severity: 'error', meaning: 'A schedule key is not a day (`mon`…`sun`) or a range of two different days (`mon-fri`).' },
  INVALID_SCHEDULE_TIME: { severity: 'error', meaning: 'Schedule hours are not `"HH:MM-HH:MM"` on a 24-hour clock, or start and end are equal.' },
  INVALID_SCHEDULE_DATE: { severity: 'error', meaning: 'A schedule `closed` entry is not a date (YYYY-MM-DD).' },
  BUDGET_WITHOUT_PRICE: { severity: 'error', meaning: 'An assignment with a budget, or of a partner with one, sets no `price`: its spend could not be counted.' },
  DEDUPE_UNKNOWN_FIELD: { severity: 'error', meaning: 'A `dedupe` or `duplicates` field is not a field of the leads it would compare (a partner\'s: of any entity whose profiles assign it).' },
  SCHEDULE_OVERLAP: { severity: 'error', meaning: 'Two ranges of a schedule cover the same hours (a day named twice, or an overnight range running into the next day).' },
  // Semantic checks: delivery
  INVALID_URL: { severity: 'error', meaning: 'A webhook url is not an absolute http(s) URL.' },
  INSECURE_URL: { severity: 'error', meaning: 'A webhook url uses plain http to a non-loopback host without `insecure: true`.' },
  INVALID_EMAIL: { severity: 'error', meaning: 'An email address (to, cc, from) is not valid.' },
  LITERAL_SECRET: { severity: 'error', meaning: 'A secret header (Authorization, *-Key, *token*, …) or signingSecret holds a literal value instead of a ${ENV} reference.' },
  ROUTER_SETTING_REFERENCE: { severity: 'error', meaning: "A ${NAME} reference names one of the router's own settings (ADMIN_API_KEY, LEAD_API_KEYS, REDIS_*, SMTP_*, FIELD_ENCRYPTION_KEY, …): a profile may never send those to a partner." },
  UNKNOWN_TEMPLATE_FIELD: { severity: 'warning', meaning: 'A {{field}} placeholder or `fields` selection names a field the entity does not define.' },
  // Semantic checks: ping-post
  PING_FIELD_UNKNOWN: { severity: 'error', meaning: 'A ping `fields` entry names a field the entity of a ping-post profile using it does not define.' },
  PING_FIELD_ENCRYPTED: { severity: 'error', meaning: 'A ping `fields` entry names an encrypted field: a ping never carries encrypted fields.' },
  PING_MISSING: { severity: 'warning', meaning: 'A ping-post profile assigns a partner with no `ping` settings (on the partner or the assignment): it is never asked for a bid.' },
  AUCTION_UNUSED: { severity: 'warning', meaning: '`auction` is set on a profile whose strategy is not ping-post: it has no effect.' },
} as const satisfies Record<string, CodeInfo>;

export type ProblemCode = keyof typeof PROBLEM_CODES;

/** The code table, in declaration order: code, severity, meaning. */
export function describeCodes(): { code: ProblemCode; severity: Severity; meaning: string }[] {
  return (Object.keys(PROBLEM_CODES) as ProblemCode[]).map((code) => ({
    code,
    severity: PROBLEM_CODES[code].severity,
    meaning: PROBLEM_CODES[code].meaning,
  }));
}

/** `SCHEMA_` + the ajv keyword in UPPER_SNAKE case: additionalProperties -> SCHEMA_ADDITIONAL_PROPERTIES. */
export function schemaCode(keyword: string): string {
  return `SCHEMA_${keyword.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}
