// The typed shape of the profile files (public interface v1, see README "File format").
// The JSON Schemas in schema/ are the source of truth for what a file may contain;
// these types mirror them after defaults have been applied by the loader.

export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'object';

export interface FieldDef {
  type: FieldType;
  required?: boolean;
  /** Allowed values (strings or numbers). */
  enum?: readonly (string | number)[];
  /** Regex source a string value must match (RE2 syntax: run in linear time). */
  pattern?: string;
  /** Most characters a string value may have (default 1,000). */
  maxLength?: number;
  /** Encrypted fields are delivered but never logged and never usable in rules. */
  encrypted?: boolean;
  description?: string;
  /** Nested fields, for `type: object`. */
  fields?: Readonly<Record<string, FieldDef>>;
}

/** A duplicate check: leads whose value for any of `fields` matches within `window` (`30d`). */
export interface DedupeSpec {
  fields: readonly string[];
  window: string;
}

export interface Entity {
  id: string;
  name?: string;
  description?: string;
  /** IANA timezone for calendar caps when the partner has none. */
  timezone?: string;
  fields: Readonly<Record<string, FieldDef>>;
  /** A lead matching one accepted within the window is refused with 409 DUPLICATE. */
  duplicates?: DedupeSpec;
}

/** Values a condition compares against. */
export type Scalar = string | number | boolean;

export type Operator =
  | 'equals' | 'notEquals'
  | 'contains' | 'notContains'
  | 'startsWith' | 'endsWith'
  | 'in' | 'notIn'
  | 'between'
  | 'gt' | 'gte' | 'lt' | 'lte'
  | 'matches'
  | 'empty';

export const OPERATORS: readonly Operator[] = [
  'equals', 'notEquals', 'contains', 'notContains', 'startsWith', 'endsWith',
  'in', 'notIn', 'between', 'gt', 'gte', 'lt', 'lte', 'matches', 'empty',
];

/**
 * One condition: `{ field: state, in: [NY, NJ] }`. Exactly one operator key is set.
 * `ignoreCase` makes string operators (equals, notEquals, contains, notContains,
 * startsWith, endsWith, in, notIn, matches) compare case-insensitively.
 */
export interface Condition {
  field: string;
  ignoreCase?: boolean;
  equals?: Scalar;
  notEquals?: Scalar;
  contains?: string;
  notContains?: string;
  startsWith?: string;
  endsWith?: string;
  in?: readonly Scalar[];
  notIn?: readonly Scalar[];
  between?: readonly [number, number];
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  matches?: string;
  empty?: boolean;
}

interface AnyGroup { any: readonly Rule[] }
interface AllGroup { all: readonly Rule[] }
interface NotGroup { not: Rule }
export type Rule = Condition | AnyGroup | AllGroup | NotGroup;

/**
 * Caps count leads delivered per window. Calendar windows use the partner's timezone,
 * else the entity's, else UTC. `custom` windows are fixed-length periods (`every: 36h`)
 * aligned to the Unix epoch.
 */
export interface Caps {
  hour?: number;
  day?: number;
  week?: number;
  month?: number;
  lifetime?: number;
  custom?: readonly { every: string; max: number }[];
}

/** Most spend per window, in the units of `price`. */
export interface Budget {
  hour?: number;
  day?: number;
  week?: number;
  month?: number;
  lifetime?: number;
}

/** What counts as accepted beyond a 2xx: a JSON field of the response body equals a value. */
interface AcceptRule {
  field: string;
  equals: Scalar;
}

export interface WebhookDelivery {
  url: string;
  method?: 'POST' | 'PUT' | 'PATCH';
  format?: 'json' | 'form';
  headers?: Readonly<Record<string, string>>;
  /** Overall deadline, a duration like `10s` or `1500ms` (default 10s). */
  timeout?: string;
  /** Allow plain http to a non-loopback host. */
  insecure?: boolean;
  /** Send only these lead fields (dotted paths allowed). */
  fields?: readonly string[];
  /** Body template: a mapping whose string values may hold `{{field}}` placeholders. */
  template?: Readonly<Record<string, unknown>>;
  /** Standard Webhooks secret, `whsec_<base64>`, always a `${ENV}` reference. */
  signingSecret?: string;
  accept?: AcceptRule;
}

export interface EmailDelivery {
  to: readonly string[];
  cc?: readonly string[];
  from?: string;
  subject?: string;
  body?: string;
  fields?: readonly string[];
  /** Attach the lead as a one-row CSV file. */
  attachCsv?: boolean;
}

export interface Delivery {
  webhook?: WebhookDelivery;
  email?: EmailDelivery;
  /** Delivery attempts before giving up (default 8). */
  attempts?: number;
}

export interface Partner {
  id: string;
  name: string;
  description?: string;
  timezone?: string;
  /** Default true. An inactive partner is skipped everywhere. */
  active: boolean;
  delivery: Delivery;
  /** Account-wide caps, across every profile. */
  caps?: Caps;
  /** Account-wide spend limits, across every profile. */
  budget?: Budget;
  /** Opening hours in the partner's timezone (router/schedule/parse.ts); absent: always open. */
  schedule?: ScheduleSpec;
  /** Never the same consumer twice within the window, across every profile. */
  dedupe?: DedupeSpec;
  /** How long a delivered lead can be returned, and whether a return gives the cap slot back. */
  returns?: { window: string; refill?: boolean };
  /** How ping-post profiles ask this partner for a bid. */
  ping?: PingSettings;
}

/** Where and how a ping (a bid request on a redacted lead) goes, for ping-post profiles. */
export interface PingSettings {
  url: string;
  /** The only lead fields a ping carries; never encrypted ones. */
  fields: readonly string[];
  /** Deadline for the bid, within the auction's own (default: the auction's). */
  timeout?: string;
  headers?: Readonly<Record<string, string>>;
  /** Standard Webhooks secret, `whsec_<base64>`, always a `${ENV}` reference. */
  signingSecret?: string;
  /** Allow plain http to a non-loopback host. */
  insecure?: boolean;
}

/** A ping-post profile's auction. */
export interface AuctionSettings {
  /** One deadline for every ping of a lead (default 800ms). */
  timeout?: string;
  /** Bids below this are not taken (default: any bid above 0). */
  minBid?: number;
  /** Share of the best bid kept when quoting an inbound ping (0 to 1, default 0). */
  margin?: number;
}

/** Days or ranges of days (`mon-fri`) to hours (`"08:00-18:00"`, or a list), and `closed` dates. */
export type ScheduleSpec = Readonly<Record<string, string | readonly string[]>>;

export type Strategy = 'first-match' | 'send-to-all' | 'ping-post';

export interface Assignment {
  partner: string;
  /** Higher is preferred. Default 0. */
  priority: number;
  /** first-match: share among equal priorities, in proportion to the weights. Default 1. */
  weight?: number;
  /** Narrows the partner's schedule for this profile. */
  schedule?: ScheduleSpec;
  /** Never the same consumer twice within the window, in this profile (on top of the partner's). */
  dedupe?: DedupeSpec;
  price?: number;
  caps?: Caps;
  /** Spend limits in this profile (needs `price`). */
  budget?: Budget;
  rules?: readonly Rule[];
  delivery?: Delivery;
  /** Overrides the partner's `ping` for this profile. */
  ping?: PingSettings;
  /** Default true. */
  active: boolean;
}

export interface Profile {
  id: string;
  entity: string;
  name: string;
  description?: string;
  /** Default true. */
  enabled: boolean;
  /** Default first-match. */
  strategy: Strategy;
  /** ping-post: the auction's deadline, floor and margin. */
  auction?: AuctionSettings;
  rules: readonly Rule[];
  partners: readonly Assignment[];
}

type Expectation = 'unmatched' | readonly { profile: string; partner: string }[];

export interface RoutingTestCase {
  name: string;
  lead: Readonly<Record<string, unknown>>;
  /** Starting cap usage per partner (partner-wide windows), e.g. `acme: { day: 50 }`. */
  caps?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The clock for the case, ISO 8601 with offset. */
  at?: string;
  /** The lead's place in the rotation of equal priorities (default 0). */
  turn?: number;
  /** Spend per partner and budget window before the lead arrives, in price units. */
  spent?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Leads already sold per partner, for its duplicate checks. */
  sold?: Readonly<Record<string, readonly Readonly<Record<string, unknown>>[]>>;
  /** ping-post: each partner's bid, as if it had answered the ping (absent: no bid). */
  bids?: Readonly<Record<string, number>>;
  expect: Expectation;
}

export interface RoutingTest {
  entity: string;
  name?: string;
  cases: readonly RoutingTestCase[];
}

export type Kind = 'Entity' | 'Partner' | 'Profile' | 'RoutingTest';

/** A source position, 1-based line and column. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

/** A path into a document: keys and list indexes. */
export type DocPath = readonly (string | number)[];

/** One YAML document with its kind and a way to find where any of its nodes sits. */
export interface SourceDoc<T = unknown> {
  kind: Kind;
  value: T;
  file: string;
  /** Position of the node at `path` (falls back to the nearest existing parent). */
  pos: (path?: DocPath) => SourcePos;
}

export interface Config {
  entities: ReadonlyMap<string, Entity>;
  partners: ReadonlyMap<string, Partner>;
  /** All profiles, in file order. */
  profiles: readonly Profile[];
  routingTests: readonly SourceDoc<RoutingTest>[];
  /** Every document, for tools that need positions (lint, test:routing). */
  docs: readonly SourceDoc[];
  /** sha256 of the files' paths and contents, hex. */
  hash: string;
  /** The directory the config was loaded from. */
  dir: string;
}

export type Severity = 'error' | 'warning' | 'info';

export interface Problem {
  severity: Severity;
  /** Stable code, e.g. UNKNOWN_FIELD. Listed in README "Validator error codes". */
  code: string;
  message: string;
  /** Path relative to the loaded directory's parent cwd when possible. */
  file: string;
  line: number;
  col: number;
  hint?: string;
}

export type LoadResult =
  | { ok: true; config: Config; problems: readonly Problem[] }
  | { ok: false; problems: readonly Problem[] };
