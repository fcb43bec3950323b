// One tree per problem code: each must be reported with its code and severity at the exact
// line:col of the offending node. The last test proves every code in the table has a case here.
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeCodes } from './codes.ts';
import { ENTITY, PARTNERS, PROFILE, posOf, writeTree } from './test-tree.ts';
import type { Problem, Severity } from './types.ts';

interface Case {
  name: string;
  code: string;
  severity: Severity;
  files: Record<string, string | null>;
  /** The file the problem is in (relative to the profiles dir), and where in it. */
  file: string;
  at: { line: number; col: number };
  message?: string | RegExp;
  hint?: string | RegExp;
  base?: Record<string, string>;
  setup?: (dir: string) => Promise<void>;
}

const P = 'profiles/residential.yaml';
const E = 'entities/mortgage.yaml';
const PA = 'partners.yaml';

/** The base profile with `text` replacing `from`. */
const profile = (from: string, to: string) => {
  if (!PROFILE.includes(from)) throw new Error(`profile has no ${from}`);
  return PROFILE.replace(from, to);
};
const partners = (from: string, to: string) => {
  if (!PARTNERS.includes(from)) throw new Error(`partners has no ${from}`);
  return PARTNERS.replace(from, to);
};
const entity = (from: string, to: string) => {
  if (!ENTITY.includes(from)) throw new Error(`entity has no ${from}`);
  return ENTITY.replace(from, to);
};
const rule = (r: string) => profile('  - { field: status, equals: New }', `  - ${r}`);

/** The base profile sold by ping-post, acme pinged with `fields` (northwind has no ping). */
const pingPost = (fields: string) => profile('name: Residential\n', 'name: Residential\nstrategy: ping-post\n')
  .replace('    priority: 10', `    priority: 10\n    ping: { url: "https://ping.acme.example/bid", fields: ${fields} }`);

const text = {
  auctionUnused: profile('name: Residential\n', 'name: Residential\nauction: { minBid: 5 }\n'),
  prioirty: profile('    priority: 10', '    prioirty: 10'),
  noPartner: profile('  - partner: northwind', '  - priority: 3'),
  priorityType: profile('priority: 10', 'priority: high'),
  strategy: profile('name: Residential\n', 'name: Residential\nstrategy: first-macth\n'),
  constType: entity('  zip: { type: string }', '  zip: { type: string, fields: { a: { type: string } } }'),
  badId: partners('id: acme', 'id: Acme Corp'),
  price: profile('priority: 10', 'priority: 10\n    price: -1'),
  noPartners: 'kind: Profile\nid: empty\nentity: mortgage\nname: Empty\npartners: []\n',
  between3: rule('{ field: loanAmount, between: [1, 2, 3] }'),
  emptyName: partners('name: Acme Mortgage', 'name: ""'),
  longId: partners('id: northwind', `id: ${'n'.repeat(101)}`),
  noFields: 'kind: Entity\nid: solar\nfields: {}\n',
  dupEnum: entity('enum: [New, Contacted]', 'enum: [New, New]'),
  badHeader: partners('headers: { Authorization: "Bearer ${ACME_TOKEN}" }', 'headers: { "bad name": x }'),
  noOperator: rule('{ field: state }'),
  equalsList: rule('{ field: state, equals: [NY] }'),
  twoOperators: rule('{ field: state, equals: NY, in: [NY] }'),
  bothChannels: partners('    subject: "New {{state}} lead"\n', '    subject: "New {{state}} lead"\n  webhook: { url: "https://n.example/x" }\n'),
  routingTest: 'kind: RoutingTest\nentity: mortgage\ncases:\n  - name: one\n    lead: { state: NY }\n    expect: unmached\n',
  dupPartner: `${PARTNERS}---\nkind: Partner\nid: acme\nname: Acme Again\ndelivery: { email: { to: [a@acme.example] } }\n`,
  unknownEntity: profile('entity: mortgage', 'entity: mortgag'),
  unknownPartner: profile('  - partner: northwind', '  - partner: nortwind'),
  dupAssignment: `${PROFILE}  - partner: acme\n`,
  unknownField: rule('{ field: stat, equals: NY }'),
  unknownNested: rule('{ field: address.postcod, startsWith: "19" }'),
  encrypted: rule('{ field: ssn, empty: false }'),
  gtOnString: rule('{ field: state, gt: 5 }'),
  betweenReversed: rule('{ field: loanAmount, between: [900, 100] }'),
  badRegex: rule('{ field: zip, matches: "([0-9]" }'),
  badPattern: entity('  zip: { type: string }', '  zip: { type: string, pattern: "[0-9" }'),
  backrefRegex: rule('{ field: zip, matches: "^(9)\\\\1" }'),
  lookaheadPattern: entity('  zip: { type: string }', '  zip: { type: string, pattern: "^(?=9)[0-9]{5}$" }'),
  notInEnum: rule('{ field: status, in: [New, Nwe] }'),
  capZero: profile('priority: 10', 'priority: 10\n    caps: { day: 0 }'),
  capOrder: profile('priority: 10', 'priority: 10\n    caps: { day: 500, month: 100 }'),
  badTimezone: partners('timezone: America/Los_Angeles', 'timezone: America/Los_Angels'),
  badDay: partners('timezone: America/Los_Angeles', 'timezone: America/Los_Angeles\nschedule: { mon-fri: "08:00-18:00", mon-mon: "19:00-20:00" }'),
  badHours: partners('timezone: America/Los_Angeles', 'timezone: America/Los_Angeles\nschedule: { mon-fri: "8am-6pm" }'),
  badClosed: partners('timezone: America/Los_Angeles', 'timezone: America/Los_Angeles\nschedule: { mon-fri: "08:00-18:00", closed: [2026-02-30] }'),
  overlap: profile('priority: 10', 'priority: 10\n    schedule: { mon-fri: "08:00-18:00", fri: "17:00-20:00" }'),
  budgetNoPrice: profile('priority: 10', 'priority: 10\n    budget: { day: 500 }'),
  dedupeField: profile('priority: 10', 'priority: 10\n    dedupe: { fields: [email, sttae], window: 30d }'),
  badTimeout: partners('    url: https://hooks.acme.example/leads', '    url: https://hooks.acme.example/leads\n    timeout: 10sec'),
  badUrl: partners('url: https://hooks.acme.example/leads', 'url: "hooks acme example"'),
  httpUrl: partners('url: https://hooks.acme.example/leads', 'url: http://hooks.acme.example/leads'),
  badEmail: partners('to: [leads@northwind.example]', 'to: [leads@northwind.example, leads-at-northwind]'),
  literalSecret: partners('"Bearer ${ACME_TOKEN}"', '"Bearer abc123"'),
  templateField: partners('"New {{state}} lead"', '"New {{stat}} lead"'),
  routerSetting: partners('"Bearer ${ACME_TOKEN}" }', '"Bearer ${ACME_TOKEN}", X-Token: "${ADMIN_API_KEY}" }'),
};

const cases: Case[] = [
  { name: 'an empty directory', code: 'NO_FILES', severity: 'error', base: {}, files: {}, file: '', at: { line: 0, col: 0 } },
  {
    name: 'a file that cannot be read (dangling symlink)', code: 'READ_ERROR', severity: 'error', files: {}, file: 'broken.yaml', at: { line: 1, col: 1 },
    setup: (dir) => symlink(join(dir, 'nowhere.yaml'), join(dir, 'broken.yaml')),
    message: /cannot read file: ENOENT/,
  },
  { name: 'an unterminated quote', code: 'YAML_SYNTAX', severity: 'error', files: { 'x.yaml': 'kind: Partner\nid: "x\nname: y\n' }, file: 'x.yaml', at: { line: 4, col: 1 }, message: /Missing closing "quote/ },
  { name: 'bad indentation', code: 'YAML_SYNTAX', severity: 'error', files: { 'x.yaml': 'kind: Partner\n  id: x\n' }, file: 'x.yaml', at: { line: 1, col: 7 } },
  { name: 'a key twice', code: 'YAML_DUPLICATE_KEY', severity: 'error', files: { 'x.yaml': 'kind: Partner\nid: a\nid: b\n' }, file: 'x.yaml', at: { line: 3, col: 1 } },
  { name: 'an unknown tag', code: 'YAML_WARNING', severity: 'warning', files: { [PA]: partners('name: Acme Mortgage', 'name: !custom Acme') }, file: PA, at: { line: 3, col: 7 }, message: /Unresolved tag/ },
  { name: 'a comment-only file', code: 'EMPTY_FILE', severity: 'error', files: { 'x.yaml': '# nothing yet\n' }, file: 'x.yaml', at: { line: 1, col: 1 } },
  { name: 'a stray ---', code: 'EMPTY_DOCUMENT', severity: 'error', files: { [PA]: `${PARTNERS}---\n` }, file: PA, at: { line: 17, col: 1 } },
  { name: 'a list document', code: 'NOT_A_MAPPING', severity: 'error', files: { 'x.yaml': '# list\n- a\n- b\n' }, file: 'x.yaml', at: { line: 2, col: 1 } },
  { name: 'no kind', code: 'MISSING_KIND', severity: 'error', files: { 'x.yaml': 'id: x\nname: y\n' }, file: 'x.yaml', at: { line: 1, col: 1 } },
  { name: 'a misspelt kind', code: 'UNKNOWN_KIND', severity: 'error', files: { 'x.yaml': 'kind: Partnr\nid: x\n' }, file: 'x.yaml', at: { line: 1, col: 7 }, hint: 'did you mean Partner?' },

  { name: 'a missing name', code: 'SCHEMA_REQUIRED', severity: 'error', files: { 'x.yaml': 'kind: Partner\nid: x\ndelivery: { email: { to: [a@x.example] } }\n' }, file: 'x.yaml', at: { line: 1, col: 1 }, message: "missing required field 'name' in Partner" },
  { name: 'an assignment without partner', code: 'SCHEMA_REQUIRED', severity: 'error', files: { [P]: text.noPartner }, file: P, at: posOf(text.noPartner, 'priority: 3'), message: "missing required field 'partner' in partners[1]" },
  { name: 'a misspelt field', code: 'SCHEMA_ADDITIONAL_PROPERTIES', severity: 'error', files: { [P]: text.prioirty }, file: P, at: posOf(text.prioirty, 'prioirty'), message: "unknown field 'prioirty' in partners[0]", hint: 'did you mean priority?' },
  { name: 'a string priority', code: 'SCHEMA_TYPE', severity: 'error', files: { [P]: text.priorityType }, file: P, at: posOf(text.priorityType, 'high'), message: 'partners[0].priority must be a whole number, not a string' },
  { name: 'a misspelt strategy', code: 'SCHEMA_ENUM', severity: 'error', files: { [P]: text.strategy }, file: P, at: posOf(text.strategy, 'first-macth'), hint: 'did you mean first-match?' },
  { name: 'nested fields on a string field', code: 'SCHEMA_CONST', severity: 'error', files: { [E]: text.constType }, file: E, at: posOf(text.constType, 'string', '  zip:'), message: /fields\.zip\.type must be "object"/ },
  { name: 'an id with capitals and a space', code: 'SCHEMA_PATTERN', severity: 'error', files: { [PA]: text.badId }, file: PA, at: posOf(text.badId, 'Acme Corp'), hint: /lowercase/ },
  { name: 'a negative price', code: 'SCHEMA_MINIMUM', severity: 'error', files: { [P]: text.price }, file: P, at: posOf(text.price, '-1') },
  { name: 'no partners', code: 'SCHEMA_MIN_ITEMS', severity: 'error', files: { 'profiles/empty.yaml': text.noPartners }, file: 'profiles/empty.yaml', at: posOf(text.noPartners, '[]') },
  { name: 'between with three numbers', code: 'SCHEMA_MAX_ITEMS', severity: 'error', files: { [P]: text.between3 }, file: P, at: posOf(text.between3, '[1, 2, 3]') },
  { name: 'an empty name', code: 'SCHEMA_MIN_LENGTH', severity: 'error', files: { [PA]: text.emptyName }, file: PA, at: posOf(text.emptyName, '""') },
  { name: 'a very long id', code: 'SCHEMA_MAX_LENGTH', severity: 'error', files: { [PA]: text.longId }, file: PA, at: posOf(text.longId, 'nnnn') },
  { name: 'an entity with no fields', code: 'SCHEMA_MIN_PROPERTIES', severity: 'error', files: { 'solar.yaml': text.noFields }, file: 'solar.yaml', at: posOf(text.noFields, '{}') },
  { name: 'an enum value twice', code: 'SCHEMA_UNIQUE_ITEMS', severity: 'error', files: { [E]: text.dupEnum }, file: E, at: posOf(text.dupEnum, '[New, New]') },
  { name: 'a header name with a space', code: 'SCHEMA_PROPERTY_NAMES', severity: 'error', files: { [PA]: text.badHeader }, file: PA, at: posOf(text.badHeader, '"bad name"'), message: /invalid name 'bad name' in delivery\.webhook\.headers/ },
  { name: 'a condition with no operator', code: 'SCHEMA_ONE_OF', severity: 'error', files: { [P]: text.noOperator }, file: P, at: posOf(text.noOperator, '{ field: state'), message: /^rules\[0\] needs one of equals, notEquals, contains/ },
  { name: 'a condition with two operators', code: 'SCHEMA_ONE_OF', severity: 'error', files: { [P]: text.twoOperators }, file: P, at: posOf(text.twoOperators, '{ field: state'), message: 'rules[0] has more than one of equals, in: keep one' },
  { name: 'a delivery with webhook and email', code: 'SCHEMA_ONE_OF', severity: 'error', files: { [PA]: text.bothChannels }, file: PA, at: posOf(text.bothChannels, 'email:', 'id: northwind'), message: 'delivery has more than one of webhook, email: keep one' },
  { name: 'a misspelt expectation', code: 'SCHEMA_CONST', severity: 'error', files: { 't.yaml': text.routingTest }, file: 't.yaml', at: posOf(text.routingTest, 'unmached'), message: 'cases[0].expect must be "unmatched", not "unmached"', hint: 'did you mean unmatched?' },
  { name: 'a list as an equals value', code: 'SCHEMA_ANY_OF', severity: 'error', files: { [P]: text.equalsList }, file: P, at: posOf(text.equalsList, '[NY]'), message: 'rules[0].equals must be a string or a number or a boolean, not a list' },

  { name: 'two partners with one id', code: 'DUPLICATE_ID', severity: 'error', files: { [PA]: text.dupPartner }, file: PA, at: posOf(text.dupPartner, 'acme', 'lead"\n---'), message: /duplicate Partner id 'acme' \(first defined at p\/partners\.yaml:2:5\)/ },
  { name: 'a misspelt entity', code: 'UNKNOWN_ENTITY', severity: 'error', files: { [P]: text.unknownEntity }, file: P, at: posOf(text.unknownEntity, 'mortgag'), hint: 'did you mean mortgage?' },
  { name: 'a misspelt partner', code: 'UNKNOWN_PARTNER', severity: 'error', files: { [P]: text.unknownPartner }, file: P, at: posOf(text.unknownPartner, 'nortwind'), hint: 'did you mean northwind?' },
  { name: 'a partner assigned twice', code: 'DUPLICATE_ASSIGNMENT', severity: 'error', files: { [P]: text.dupAssignment }, file: P, at: posOf(text.dupAssignment, 'acme', '- partner: northwind'), message: /partners\[0\] and partners\[2\]/ },
  { name: 'a misspelt rule field', code: 'UNKNOWN_FIELD', severity: 'error', files: { [P]: text.unknownField }, file: P, at: posOf(text.unknownField, 'stat,'), message: "entity 'mortgage' has no field 'stat'", hint: 'did you mean state?' },
  { name: 'a misspelt nested field', code: 'UNKNOWN_FIELD', severity: 'error', files: { [P]: text.unknownNested }, file: P, at: posOf(text.unknownNested, 'address.postcod'), hint: 'did you mean address.postcode?' },
  { name: 'a rule on an encrypted field', code: 'ENCRYPTED_FIELD_IN_RULE', severity: 'error', files: { [P]: text.encrypted }, file: P, at: posOf(text.encrypted, 'ssn') },
  { name: 'gt on a string field', code: 'OPERATOR_TYPE_MISMATCH', severity: 'error', files: { [P]: text.gtOnString }, file: P, at: posOf(text.gtOnString, '5 }'), message: "gt needs a number field, but 'state' is a string" },
  { name: 'between the wrong way round', code: 'BETWEEN_MIN_GT_MAX', severity: 'error', files: { [P]: text.betweenReversed }, file: P, at: posOf(text.betweenReversed, '[900, 100]'), hint: 'write it as [100, 900]' },
  { name: 'a regex that does not compile', code: 'INVALID_REGEX', severity: 'error', files: { [P]: text.badRegex }, file: P, at: posOf(text.badRegex, '"([0-9]"') },
  { name: 'a field pattern that does not compile', code: 'INVALID_REGEX', severity: 'error', files: { [E]: text.badPattern }, file: E, at: posOf(text.badPattern, '"[0-9"') },
  { name: 'a backreference in matches', code: 'UNSUPPORTED_REGEX', severity: 'error', files: { [P]: text.backrefRegex }, file: P, at: posOf(text.backrefRegex, '"^(9)'), message: /^matches: regular expression not supported: invalid escape sequence: `\\1` \(patterns run on a linear-time engine/ },
  { name: 'a lookahead in a field pattern', code: 'UNSUPPORTED_REGEX', severity: 'error', files: { [E]: text.lookaheadPattern }, file: E, at: posOf(text.lookaheadPattern, '"^(?=9)'), message: /^pattern of field 'zip': regular expression not supported: .*lookahead/ },
  { name: 'a value outside the enum', code: 'VALUE_NOT_IN_ENUM', severity: 'error', files: { [P]: text.notInEnum }, file: P, at: posOf(text.notInEnum, 'Nwe'), message: 'status: Nwe is not one of New, Contacted — did you mean New?' },
  { name: 'a zero cap', code: 'CAP_NOT_POSITIVE_INTEGER', severity: 'error', files: { [P]: text.capZero }, file: P, at: posOf(text.capZero, '0 }'), hint: /active: false/ },
  { name: 'a day cap above the month cap', code: 'CAP_PERIOD_INCONSISTENT', severity: 'warning', files: { [P]: text.capOrder }, file: P, at: posOf(text.capOrder, '500'), message: 'day cap 500 is larger than month cap 100; the month cap wins' },
  { name: 'a misspelt timezone', code: 'INVALID_TIMEZONE', severity: 'error', files: { [PA]: text.badTimezone }, file: PA, at: posOf(text.badTimezone, 'America/Los_Angels'), hint: 'did you mean America/Los_Angeles?' },
  { name: 'a schedule day range from a day to itself', code: 'INVALID_SCHEDULE_DAY', severity: 'error', files: { [PA]: text.badDay }, file: PA, at: posOf(text.badDay, '"19:00-20:00"'), message: "schedule: 'mon-mon' is not a day or a range of days" },
  { name: 'schedule hours in words', code: 'INVALID_SCHEDULE_TIME', severity: 'error', files: { [PA]: text.badHours }, file: PA, at: posOf(text.badHours, '"8am-6pm"'), message: 'schedule mon-fri: "8am-6pm" is not a range of hours' },
  { name: 'a closed date that does not exist', code: 'INVALID_SCHEDULE_DATE', severity: 'error', files: { [PA]: text.badClosed }, file: PA, at: posOf(text.badClosed, '2026-02-30') },
  { name: 'schedule hours that overlap', code: 'SCHEDULE_OVERLAP', severity: 'error', files: { [P]: text.overlap }, file: P, at: posOf(text.overlap, '"17:00-20:00"'), message: 'schedule: fri 17:00-20:00 overlaps fri 08:00-18:00' },
  { name: 'a budget without a price', code: 'BUDGET_WITHOUT_PRICE', severity: 'error', files: { [P]: text.budgetNoPrice }, file: P, at: posOf(text.budgetNoPrice, '{ day: 500 }'), message: 'this assignment has a budget but no price: its spend cannot be counted' },
  { name: 'a dedupe field the entity does not have', code: 'DEDUPE_UNKNOWN_FIELD', severity: 'error', files: { [P]: text.dedupeField }, file: P, at: posOf(text.dedupeField, 'sttae'), message: "dedupe field 'sttae' is not a field of the leads it would compare", hint: 'did you mean state?' },
  { name: 'a timeout in words', code: 'INVALID_DURATION', severity: 'error', files: { [PA]: text.badTimeout }, file: PA, at: posOf(text.badTimeout, '10sec') },
  { name: 'a url that is not one', code: 'INVALID_URL', severity: 'error', files: { [PA]: text.badUrl }, file: PA, at: posOf(text.badUrl, '"hooks acme example"') },
  { name: 'plain http to a public host', code: 'INSECURE_URL', severity: 'error', files: { [PA]: text.httpUrl }, file: PA, at: posOf(text.httpUrl, 'http://'), hint: /insecure: true/ },
  { name: 'an address without @', code: 'INVALID_EMAIL', severity: 'error', files: { [PA]: text.badEmail }, file: PA, at: posOf(text.badEmail, 'leads-at-northwind') },
  { name: 'a literal bearer token', code: 'LITERAL_SECRET', severity: 'error', files: { [PA]: text.literalSecret }, file: PA, at: posOf(text.literalSecret, '"Bearer abc123"'), message: "header 'Authorization' holds a literal secret" },
  { name: "a header holding the router's admin key", code: 'ROUTER_SETTING_REFERENCE', severity: 'error', files: { [PA]: text.routerSetting }, file: PA, at: posOf(text.routerSetting, '"${ADMIN_API_KEY}"'), message: "${ADMIN_API_KEY} is one of the router's own settings; a profile may never send it to a partner" },
  { name: 'a placeholder for a field that does not exist', code: 'UNKNOWN_TEMPLATE_FIELD', severity: 'warning', files: { [PA]: text.templateField }, file: PA, at: posOf(text.templateField, '"New {{stat}} lead"'), hint: 'did you mean state?' },
  { name: 'an encrypted field in a ping', code: 'PING_FIELD_ENCRYPTED', severity: 'error', files: { [P]: pingPost('[state, ssn]') }, file: P, at: posOf(pingPost('[state, ssn]'), 'ssn') },
  { name: 'a misspelt field in a ping', code: 'PING_FIELD_UNKNOWN', severity: 'error', files: { [P]: pingPost('[stat]') }, file: P, at: posOf(pingPost('[stat]'), 'stat]'), hint: 'did you mean state?' },
  { name: 'a ping-post partner with no ping', code: 'PING_MISSING', severity: 'warning', files: { [P]: pingPost('[state]') }, file: P, at: posOf(pingPost('[state]'), 'northwind') },
  { name: 'an auction on a first-match profile', code: 'AUCTION_UNUSED', severity: 'warning', files: { [P]: text.auctionUnused }, file: P, at: posOf(text.auctionUnused, '{ minBid') },
];

const covered = new Set<string>();

describe('every problem code at its line and column', () => {
  const trees: { cleanup(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(trees.map((t) => t.cleanup()));
  });

  it.each(cases.map((c) => [`${c.code}: ${c.name}`, c] as const))('%s', async (_name, c) => {
    covered.add(c.code);
    const tree = await writeTree(c.files, c.base);
    trees.push(tree);
    await c.setup?.(tree.dir);
    const result = await tree.load();
    const found = result.problems.filter((p) => p.code === c.code);
    const expectedFile = c.file === '' ? 'p' : `p/${c.file}`;
    expect(found, JSON.stringify(result.problems, null, 1)).toContainEqual(
      expect.objectContaining({ code: c.code, severity: c.severity, file: expectedFile, line: c.at.line, col: c.at.col }),
    );
    const p = found.find((x) => x.line === c.at.line && x.col === c.at.col) as Problem;
    if (c.message !== undefined) expect(p.message).toMatch(c.message);
    if (c.hint !== undefined) expect(p.hint).toMatch(c.hint);
    // ok is false exactly when some problem is an error.
    expect(result.ok).toBe(!result.problems.some((x) => x.severity === 'error'));
    if (c.severity === 'error') expect(result.ok).toBe(false);
  });

  it('has a case for every code in the table', () => {
    const missing = describeCodes().map((c) => c.code).filter((code) => !cases.some((x) => x.code === code));
    expect(missing).toEqual([]);
    for (const c of cases) expect(describeCodes().find((d) => d.code === c.code)?.severity).toBe(c.severity);
  });
});
