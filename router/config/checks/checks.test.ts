// The semantic checks beyond "each code fires" (codes.test.ts): what must NOT be reported, and
// the cases where the entity or scope matters.
import { describe, expect, it } from 'vitest';
import { ENTITY, PARTNERS, PROFILE, loadTree, posOf } from '../test-tree.ts';
import type { LoadResult } from '../types.ts';

const P = 'profiles/residential.yaml';
const codes = (r: LoadResult) => r.problems.map((p) => p.code);
const withRules = (...rules: string[]) =>
  PROFILE.replace('  - { field: status, equals: New }', rules.map((r) => `  - ${r}`).join('\n'));
const withAcme = (from: string, to: string) => ({ 'partners.yaml': PARTNERS.replace(from, to) });
const ACME_URL = '    url: https://hooks.acme.example/leads';

describe('rules', () => {
  it('accepts every operator used as it should be, in nested any/all/not groups', async () => {
    const text = withRules(
      '{ field: state, in: [NY, NJ] }',
      '{ field: status, notIn: [Contacted] }',
      '{ field: status, equals: new, ignoreCase: true }',
      '{ field: loanAmount, between: [100, 100] }',
      '{ field: age, gte: 18 }',
      '{ field: veteran, equals: true }',
      '{ field: zip, matches: "^9[0-4]" }',
      '{ field: address.postcode, startsWith: "19" }',
      '{ field: address, empty: false }',
      '{ field: meta.utm.source, equals: google }',
      'any: [ { all: [ { field: state, equals: PA }, { not: { field: zip, endsWith: "9" } } ] }, { field: email, contains: "@" } ]',
    );
    const result = await loadTree({ [P]: text });
    expect(result.problems).toEqual([]);
  });

  it('checks conditions deep inside groups and in assignment rules', async () => {
    const text = `${withRules('any: [ { all: [ { not: { field: stat, equals: PA } } ] } ]')}    rules:\n      - { field: ssn, empty: true }\n`;
    const result = await loadTree({ [P]: text });
    expect(result.problems.map((p) => `${p.code}@${p.line}:${p.col}`)).toEqual([
      `UNKNOWN_FIELD@${posOf(text, 'stat,').line}:${posOf(text, 'stat,').col}`,
      `ENCRYPTED_FIELD_IN_RULE@${posOf(text, 'ssn').line}:${posOf(text, 'ssn').col}`,
    ]);
  });

  it('treats children of an encrypted object as encrypted', async () => {
    const entity = ENTITY.replace('  meta: { type: object }', '  bank: { type: object, encrypted: true, fields: { iban: { type: string } } }');
    const result = await loadTree({ 'entities/mortgage.yaml': entity, [P]: withRules('{ field: bank.iban, empty: false }') });
    expect(codes(result)).toEqual(['ENCRYPTED_FIELD_IN_RULE']);
  });

  it('reports a path through a scalar field as unknown', async () => {
    const result = await loadTree({ [P]: withRules('{ field: state.code, equals: NY }') });
    expect(result.problems).toEqual([expect.objectContaining({ code: 'UNKNOWN_FIELD', message: "entity 'mortgage' has no field 'state.code'" })]);
  });

  it('reports type mismatches for string, number, boolean and object fields', async () => {
    const text = withRules(
      '{ field: zip, equals: 10001 }',
      '{ field: loanAmount, startsWith: "1" }',
      '{ field: veteran, contains: "y" }',
      '{ field: age, equals: 1.5 }',
      '{ field: loanAmount, in: [100, "200"] }',
      '{ field: address, equals: x }',
      '{ field: state, between: [1, 2] }',
    );
    const result = await loadTree({ [P]: text });
    const mismatches = result.problems.filter((p) => p.code === 'OPERATOR_TYPE_MISMATCH');
    expect(mismatches.map((p) => [p.line, p.col])).toEqual([
      [6, 27], [7, 38], [8, 33], [9, 27], [10, 36], [11, 31], [12, 30],
    ]);
    expect(mismatches[0].hint).toBe('quote it: "10001"');
    expect(mismatches.map((p) => p.message)).toContain("equals: 1.5 is a number, but 'age' is a integer");
    expect(codes(result).every((c) => c === 'OPERATOR_TYPE_MISMATCH')).toBe(true);
  });

  it('checks enum values of equals, notEquals, in and notIn, case-insensitively with ignoreCase', async () => {
    const text = withRules(
      '{ field: status, notEquals: Closed }',
      '{ field: status, notIn: [New, Lost] }',
      '{ field: status, in: [NEW], ignoreCase: true }',
      '{ field: status, in: [NEW] }',
    );
    const result = await loadTree({ [P]: text });
    expect(result.problems.map((p) => `${p.code} ${p.message}`)).toEqual([
      'VALUE_NOT_IN_ENUM status: Closed is not one of New, Contacted',
      'VALUE_NOT_IN_ENUM status: Lost is not one of New, Contacted',
      'VALUE_NOT_IN_ENUM status: NEW is not one of New, Contacted — did you mean New?',
    ]);
  });

  it('skips field checks for a profile whose entity is unknown, but still checks regexes and ranges', async () => {
    const text = withRules('{ field: whatever, matches: "(" }', '{ field: whatever, between: [2, 1] }').replace('entity: mortgage', 'entity: solar');
    const result = await loadTree({ [P]: text });
    expect(codes(result).sort()).toEqual(['BETWEEN_MIN_GT_MAX', 'INVALID_REGEX', 'UNKNOWN_ENTITY']);
  });
});

describe('references', () => {
  it('profile ids are unique per entity, not across entities', async () => {
    const solar = 'kind: Entity\nid: solar\nfields: { email: { type: string }, state: { type: string } }\n';
    const other = PROFILE.replace('entity: mortgage', 'entity: solar').replace('  - { field: status, equals: New }', '  - { field: state, equals: NY }');
    const ok = await loadTree({ 'entities/solar.yaml': solar, 'profiles/solar.yaml': other });
    expect(ok.problems).toEqual([]);
    const dup = await loadTree({ 'profiles/z-again.yaml': PROFILE });
    expect(dup.problems).toEqual([expect.objectContaining({ code: 'DUPLICATE_ID', file: 'p/profiles/z-again.yaml', line: 2, col: 5 })]);
  });

  it('duplicate entity ids are reported; so is a routing test on an unknown entity', async () => {
    const result = await loadTree({
      'entities/again.yaml': ENTITY,
      'tests.yaml': 'kind: RoutingTest\nentity: mortgages\ncases:\n  - { name: x, lead: {}, expect: unmatched }\n',
    });
    expect(result.problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.code} ${p.hint ?? ''}`)).toEqual([
      // entities/again.yaml sorts first, so the later mortgage.yaml holds the duplicate.
      'p/entities/mortgage.yaml:2:5 DUPLICATE_ID ',
      'p/tests.yaml:2:9 UNKNOWN_ENTITY did you mean mortgage?',
    ]);
  });

  it('lists the known partners when no name is close', async () => {
    const result = await loadTree({ [P]: PROFILE.replace('partner: northwind', 'partner: zzz') });
    expect(result.problems[0]).toMatchObject({ code: 'UNKNOWN_PARTNER', hint: 'known partners: acme, northwind' });
  });
});

describe('caps and time', () => {
  const caps = (c: string) => ({ [P]: PROFILE.replace('priority: 10', `priority: 10\n    caps: ${c}`) });

  it('accepts consistent caps and custom windows', async () => {
    const result = await loadTree(caps('{ hour: 5, day: 5, week: 30, month: 100, lifetime: 1000, custom: [{ every: 36h, max: 7 }] }'));
    expect(result.problems).toEqual([]);
  });

  it('compares each cap with the next longer period that has one, and checks partner caps too', async () => {
    const result = await loadTree({
      ...caps('{ hour: 50, day: 10, lifetime: 5 }'),
      'partners.yaml': PARTNERS.replace('name: Acme Mortgage', 'name: Acme Mortgage\ncaps: { week: 1.5, custom: [{ every: 0h, max: -1 }] }'),
    });
    expect(result.problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.code}`)).toEqual([
      'p/partners.yaml:4:15 CAP_NOT_POSITIVE_INTEGER',
      'p/partners.yaml:4:38 INVALID_DURATION',
      'p/partners.yaml:4:47 CAP_NOT_POSITIVE_INTEGER',
      'p/profiles/residential.yaml:10:19 CAP_PERIOD_INCONSISTENT',
      'p/profiles/residential.yaml:10:28 CAP_PERIOD_INCONSISTENT',
    ]);
  });

  it('accepts IANA zones, their aliases and UTC; rejects offsets and nonsense', async () => {
    for (const tz of ['UTC', 'Etc/UTC', 'Europe/London', 'US/Eastern']) {
      const result = await loadTree(withAcme('timezone: America/Los_Angeles', `timezone: ${tz}`));
      expect(result.problems, tz).toEqual([]);
    }
    for (const tz of ['"+05:00"', 'Mars/Olympus', 'EST5EDTX']) {
      const result = await loadTree({ 'entities/mortgage.yaml': ENTITY.replace('timezone: America/New_York', `timezone: ${tz}`) });
      expect(codes(result), tz).toEqual(['INVALID_TIMEZONE']);
    }
  });

  it('accepts timeouts in ms, s and m; rejects zero and other units', async () => {
    for (const t of ['1500ms', '10s', '2m']) {
      const result = await loadTree(withAcme(ACME_URL, `${ACME_URL}\n    timeout: ${t}`));
      expect(result.problems, t).toEqual([]);
    }
    for (const t of ['0s', '1h', '1.5s', '10']) {
      const result = await loadTree(withAcme(ACME_URL, `${ACME_URL}\n    timeout: "${t}"`));
      expect(codes(result), t).toEqual(['INVALID_DURATION']);
    }
  });
});

describe('delivery', () => {
  it('allows http to loopback hosts and with insecure: true', async () => {
    for (const url of ['http://localhost:8080/x', 'http://127.0.0.5/x', 'http://[::1]:9000/x']) {
      const result = await loadTree(withAcme('url: https://hooks.acme.example/leads', `url: "${url}"`));
      expect(result.problems, url).toEqual([]);
    }
    const insecure = await loadTree(withAcme(ACME_URL, '    url: http://hooks.acme.example/leads\n    insecure: true'));
    expect(insecure.problems).toEqual([]);
  });

  it('rejects non-http schemes and judges URLs with ${ENV} parts by their shape', async () => {
    const ftp = await loadTree(withAcme('url: https://hooks.acme.example/leads', 'url: ftp://hooks.acme.example/leads'));
    expect(ftp.problems).toEqual([expect.objectContaining({ code: 'INVALID_URL', message: 'url "ftp://hooks.acme.example/leads" must use https (got ftp)' })]);
    const env = await loadTree(withAcme('url: https://hooks.acme.example/leads', 'url: "https://${ACME_HOST}/leads"'));
    expect(env.problems).toEqual([]);
    const whole = await loadTree(withAcme('url: https://hooks.acme.example/leads', 'url: "${ACME_URL}"'));
    expect(whole.problems).toEqual([]);
  });

  it('accepts ${ENV} secrets (with a scheme word or separators) and flags literal ones by header name', async () => {
    const headers = (h: string) => withAcme('headers: { Authorization: "Bearer ${ACME_TOKEN}" }', `headers: ${h}`);
    const fine = await loadTree(headers('{ Authorization: "Basic ${U}:${P}", X-Api-Key: "${K}", X-Source: leadroute, X-Auth-Token: "${T}" }'));
    expect(fine.problems).toEqual([]);
    for (const [name, value] of [['X-Api-Key', 'abc'], ['apikey', 'abc'], ['X-Auth-Token', 'abc'], ['Authorization', 'Bearer x${T}'], ['Authorization', 'abc ${T} def']]) {
      const result = await loadTree(headers(`{ ${name}: "${value}" }`));
      expect(codes(result), `${name}: ${value}`).toEqual(['LITERAL_SECRET']);
    }
    const signing = await loadTree(withAcme(ACME_URL, `${ACME_URL}\n    signingSecret: whsec_abc`));
    expect(signing.problems).toEqual([expect.objectContaining({ code: 'LITERAL_SECRET', line: 8, col: 20 })]);
    const signingEnv = await loadTree(withAcme(ACME_URL, `${ACME_URL}\n    signingSecret: \${ACME_SIGNING_SECRET}`));
    expect(signingEnv.problems).toEqual([]);
  });

  it('checks to, cc and from, accepting "Name <address>"', async () => {
    const email = (extra: string) => withAcme('    subject: "New {{state}} lead"', `    subject: "New {{state}} lead"\n${extra}`);
    const fine = await loadTree(email('    cc: [ops@northwind.example]\n    from: "Leads <leads@leadroute.example>"'));
    expect(fine.problems).toEqual([]);
    const bad = await loadTree(email('    cc: ["ops@northwind"]\n    from: "Leads <leads at leadroute>"'));
    expect(bad.problems.map((p) => [p.code, p.line])).toEqual([['INVALID_EMAIL', 17], ['INVALID_EMAIL', 18]]);
  });

  it('knows the delivery facts and {{lead.x}} in templates, and checks fields selections', async () => {
    const text = PARTNERS.replace(
      '    subject: "New {{state}} lead"',
      '    subject: "{{entity}} lead {{leadId}} for {{partner}}: {{lead.state}} {{ address.city }}"\n    body: "{{lead.stat}}"\n    fields: [email, address.city, address.zip]',
    );
    const result = await loadTree({ 'partners.yaml': text });
    expect(result.problems.map((p) => `${p.code} ${p.line}:${p.col} ${p.message}`)).toEqual([
      "UNKNOWN_TEMPLATE_FIELD 17:11 body placeholder {{lead.stat}}, which entity mortgage does not define; it will be empty",
      "UNKNOWN_TEMPLATE_FIELD 18:35 fields selects 'address.zip', which entity mortgage does not define; it will be empty",
    ]);
  });

  it('checks webhook body templates, deeply', async () => {
    const result = await loadTree(withAcme(ACME_URL, `${ACME_URL}\n    template: { contact: { mail: "{{emial}}" }, list: ["{{zip}}", "{{zpi}}"] }`));
    expect(result.problems.map((p) => `${p.code} ${p.line}:${p.col} ${p.hint}`)).toEqual([
      'UNKNOWN_TEMPLATE_FIELD 8:34 did you mean email?',
      'UNKNOWN_TEMPLATE_FIELD 8:67 did you mean zip?',
    ]);
  });

  it('checks a partner delivery against every entity that uses the partner, and skips unused partners', async () => {
    const solar = 'kind: Entity\nid: solar\nfields: { email: { type: string }, state: { type: string } }\n';
    const solarProfile = 'kind: Profile\nid: solar-all\nentity: solar\nname: Solar\npartners:\n  - partner: acme\n';
    const text = PARTNERS.replace(ACME_URL, `${ACME_URL}\n    fields: [email, loanAmount]`);
    const result = await loadTree({ 'entities/solar.yaml': solar, 'profiles/solar.yaml': solarProfile, 'partners.yaml': text });
    expect(result.problems.map((p) => p.message)).toEqual(["fields selects 'loanAmount', which entity solar does not define; it will be empty"]);
    const unused = await loadTree({ 'partners.yaml': `${text}---\nkind: Partner\nid: idle\nname: Idle\ndelivery: { email: { to: [a@idle.example], subject: "{{nothing}}" } }\n` });
    expect(unused.problems.map((p) => p.message)).toEqual([]);
  });

  it('checks an assignment delivery override against the profile entity', async () => {
    const text = `${PROFILE}    delivery:\n      webhook: { url: "http://example.com/x", fields: [stat] }\n`;
    const result = await loadTree({ [P]: text });
    expect(result.problems.map((p) => `${p.code} ${p.line}:${p.col}`)).toEqual([
      `INSECURE_URL ${posOf(text, '"http').line}:${posOf(text, '"http').col}`,
      `UNKNOWN_TEMPLATE_FIELD ${posOf(text, 'stat]').line}:${posOf(text, 'stat]').col}`,
    ]);
  });
});

describe('entity field limits and patterns', () => {
  const E = 'entities/mortgage.yaml';
  const withZip = (zip: string) => ENTITY.replace('  zip: { type: string }', `  zip: ${zip}`);

  it('maxLength: a positive integer, on string fields only, each refusal at its file:line:col', async () => {
    expect((await loadTree({ [E]: withZip('{ type: string, maxLength: 5 }') })).problems).toEqual([]);
    const zero = withZip('{ type: string, maxLength: 0 }');
    const onNumber = ENTITY.replace('  age: { type: integer }', '  age: { type: integer, maxLength: 3 }');
    for (const [text, code, at] of [[zero, 'SCHEMA_MINIMUM', '0 }'], [onNumber, 'SCHEMA_CONST', 'integer, maxLength']] as const) {
      const result = await loadTree({ [E]: text });
      expect(result.problems.map((p) => [p.code, p.file.endsWith(E), p.line, p.col])).toEqual([[code, true, posOf(text, at).line, posOf(text, at).col]]);
    }
  });

  it('a pattern RE2 cannot run is an error at the pattern, and the config does not load', async () => {
    const text = withZip('{ type: string, pattern: "^(\\\\d)\\\\1" }');
    const result = await loadTree({ [E]: text });
    expect(result.problems.map((p) => [p.code, p.line, p.col])).toEqual([['UNSUPPORTED_REGEX', posOf(text, '"^(').line, posOf(text, '"^(').col]]);
    expect(result.problems[0].message).toContain('backreferences and lookahead/lookbehind are not supported');
    expect(result.ok).toBe(false);
  });
});
