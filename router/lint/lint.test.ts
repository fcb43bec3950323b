import { describe, expect, it } from 'vitest';
import type { Assignment, Config, Entity, Partner, Profile } from '../config/types.ts';
import { compileSnapshot } from '../routing/snapshot.ts';
import { lintConfig } from './lint.ts';
import type { SampleLead } from './samples.ts';

const entity: Entity = {
  id: 'mortgage',
  fields: {
    email: { type: 'string', required: true },
    state: { type: 'string' },
    zip: { type: 'string' },
    ssn: { type: 'string', encrypted: true },
  },
};

const partner = (id: string, extra: Partial<Partner> = {}): Partner => ({
  id, name: id, active: true, delivery: { webhook: { url: `https://${id}.example/leads` } }, ...extra,
});
const assign = (p: string, priority: number, extra: Partial<Assignment> = {}): Assignment => ({ partner: p, priority, active: true, ...extra });
const profile = (id: string, partners: Assignment[], extra: Partial<Profile> = {}): Profile => ({
  id, entity: 'mortgage', name: id, enabled: true, strategy: 'first-match', rules: [], partners, ...extra,
});

function lint(profiles: Profile[], partners: Partner[], samples: SampleLead[] = []) {
  const config: Config = {
    entities: new Map([[entity.id, entity]]),
    partners: new Map(partners.map((p) => [p.id, p])),
    profiles, routingTests: [], docs: [], hash: 'h', dir: 'profiles',
  };
  return lintConfig(config, compileSnapshot(config, { env: {} }), samples);
}

const codes = (ps: { code: string }[]) => ps.map((p) => p.code);
const ny: SampleLead = { entity: 'mortgage', lead: { email: 'a@example.com', state: 'NY' }, label: 'samples/m.jsonl:1' };
const ca: SampleLead = { entity: 'mortgage', lead: { email: 'b@example.com', state: 'CA' }, label: 'samples/m.jsonl:2' };
const east = { rules: [{ field: 'state', in: ['NY', 'NJ'] }] };
const west = { rules: [{ field: 'state', equals: 'CA' }] };

describe('lintConfig', () => {
  it('is silent on a tidy tree', () => {
    const ps = lint(
      [profile('east', [assign('a', 10, { caps: { day: 5 } }), assign('b', 5)], east), profile('west', [assign('b', 1)], west)],
      [partner('a'), partner('b')],
      [ny, ca],
    );
    expect(ps).toEqual([]);
  });

  describe('PROFILE_NO_ACTIVE_PARTNER', () => {
    it('fires on an enabled profile whose partners are all inactive, here or account-wide', () => {
      const ps = lint(
        [profile('p', [assign('a', 1, { active: false }), assign('b', 1)])],
        [partner('a'), partner('b', { active: false })],
      );
      expect(ps).toHaveLength(1);
      expect(ps[0]).toMatchObject({ severity: 'warning', code: 'PROFILE_NO_ACTIVE_PARTNER' });
      expect(ps[0].message).toContain('profile p');
    });

    it('fires on a profile with no partner at all, and never on a disabled profile', () => {
      expect(codes(lint([profile('p', [])], []))).toEqual(['PROFILE_NO_ACTIVE_PARTNER']);
      expect(lint([profile('p', [assign('a', 1)], { enabled: false })], [partner('a', { active: false })])).toEqual([]);
    });
  });

  describe('ASSIGNMENT_UNREACHABLE', () => {
    it('fires on an assignment below an uncapped partner with no rules', () => {
      const ps = lint([profile('p', [assign('low', 1), assign('top', 10), assign('mid', 5)])], [partner('low'), partner('top'), partner('mid')]);
      expect(codes(ps)).toEqual(['ASSIGNMENT_UNREACHABLE', 'ASSIGNMENT_UNREACHABLE']);
      expect(ps.map((p) => p.message.split(' ')[0]).sort()).toEqual(['low', 'mid']);
      expect(ps[0].message).toContain('top (priority 10) has no rules and no caps');
    });

    it.each([
      ['the top partner has assignment caps', [assign('top', 10, { caps: { day: 5 } }), assign('low', 1)], [partner('top'), partner('low')]],
      ['the top partner has account caps', [assign('top', 10), assign('low', 1)], [partner('top', { caps: { month: 100 } }), partner('low')]],
      ['the top partner has rules', [assign('top', 10, { rules: [{ field: 'zip', startsWith: '9' }] }), assign('low', 1)], [partner('top'), partner('low')]],
      ['the priorities are equal (they take turns)', [assign('top', 5), assign('low', 5)], [partner('top'), partner('low')]],
      ['the top partner is inactive', [assign('top', 10, { active: false }), assign('low', 1)], [partner('top'), partner('low')]],
      ['the top partner keeps hours', [assign('top', 10), assign('low', 1)], [partner('top', { schedule: { 'mon-fri': '08:00-18:00' } }), partner('low')]],
    ] as const)('is silent when %s', (_why, assignments, partners) => {
      expect(lint([profile('p', [...assignments])], [...partners])).toEqual([]);
    });

    it('is silent under send-to-all, where every eligible partner gets the lead', () => {
      expect(lint([profile('p', [assign('top', 10), assign('low', 1)], { strategy: 'send-to-all' })], [partner('top'), partner('low')])).toEqual([]);
    });
  });

  describe('SCHEDULE_NEVER_OPEN', () => {
    it('fires on a schedule with no hours, and on assignment hours outside the partner\'s', () => {
      const holidaysOnly = lint([profile('p', [assign('a', 1)])], [partner('a', { schedule: { closed: ['2026-12-25'] } })]);
      expect(codes(holidaysOnly)).toEqual(['SCHEDULE_NEVER_OPEN']);
      expect(holidaysOnly[0].message).toBe("a in profile p is never open: partner a's schedule names no hours");
      const disjoint = lint([profile('p', [assign('a', 1, { schedule: { 'sat-sun': '09:00-12:00' } })])], [partner('a', { schedule: { 'mon-fri': '08:00-18:00' } })]);
      expect(disjoint.map((p) => p.message)).toEqual(["a in profile p is never open: its schedule shares no hour with partner a's"]);
    });

    it('is silent when the hours meet, even for a minute', () => {
      expect(lint([profile('p', [assign('a', 1, { schedule: { fri: '17:59-20:00' } })])], [partner('a', { schedule: { 'mon-fri': '08:00-18:00' } })])).toEqual([]);
    });
  });

  describe('PROFILES_OVERLAP', () => {
    it('says which lead two enabled profiles both match, once per pair', () => {
      const ny2: SampleLead = { entity: 'mortgage', lead: { email: 'c@example.com', state: 'NY', zip: '10001' }, label: 'test "NY refi"' };
      const ps = lint([profile('east', [assign('a', 1)], east), profile('all', [assign('b', 1)])], [partner('a'), partner('b')], [ny, ny2, ca]);
      expect(ps).toHaveLength(1);
      expect(ps[0]).toMatchObject({ severity: 'info', code: 'PROFILES_OVERLAP' });
      expect(ps[0].message).toBe('profiles east and all both match samples/m.jsonl:1 (and 1 more lead): both will route it');
    });

    it('ignores disabled profiles', () => {
      const ps = lint([profile('east', [assign('a', 1)], east), profile('all', [assign('b', 1)], { enabled: false })], [partner('a'), partner('b')], [ny]);
      expect(ps).toEqual([]);
    });
  });

  describe('PROFILE_NEVER_MATCHED', () => {
    it('fires when no sample or test lead of the entity matches an enabled profile', () => {
      const ps = lint([profile('east', [assign('a', 1)], east), profile('west', [assign('a', 1)], west)], [partner('a')], [ny]);
      expect(ps).toHaveLength(1);
      expect(ps[0]).toMatchObject({ severity: 'warning', code: 'PROFILE_NEVER_MATCHED' });
      expect(ps[0].message).toBe('profile west matches none of the 1 mortgage sample and test lead');
    });

    it('stays silent when the entity has no sample lead', () => {
      expect(lint([profile('west', [assign('a', 1)], west)], [partner('a')], [])).toEqual([]);
    });

    it('counts only valid leads, and reports the invalid ones', () => {
      const bad: SampleLead = { entity: 'mortgage', lead: { state: 'CA', ssn: '123-45-6789' }, label: 'samples/m.jsonl:9', at: { file: 'samples/m.jsonl', line: 9, col: 1 } };
      const ps = lint([profile('west', [assign('a', 1)], west)], [partner('a')], [bad]);
      expect(codes(ps)).toEqual(['SAMPLE_INVALID']);
      expect(ps[0]).toMatchObject({ file: 'samples/m.jsonl', line: 9, col: 1 });
      expect(ps[0].message).toContain('email is required');
      expect(ps[0].message).not.toContain('123-45-6789');
    });

    it('reports a sample of an unknown entity', () => {
      const ps = lint([], [], [{ entity: 'solar', lead: {}, label: 'x:1' }]);
      expect(ps[0]).toMatchObject({ code: 'SAMPLE_INVALID', message: "x:1: unknown entity 'solar'" });
    });
  });
});
