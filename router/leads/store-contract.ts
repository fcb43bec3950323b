// The one contract every LeadStore passes (memory and Redis): store.test.ts runs it on both.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LeadStore } from './store.ts';
import type { AttemptRecord, LeadRecord, RouteRecord } from './types.ts';

/** The commit window every harness gives its store. */
export const CONTRACT_COMMIT_WINDOW_MS = 300;

export interface LeadStoreHarness {
  /** Made with `commitWindowMs: CONTRACT_COMMIT_WINDOW_MS`. */
  store: LeadStore;
  /** The store's clock (default Date.now). */
  now?(): number;
  /** Move the store's clock on (default: real sleep). */
  advance?(ms: number): Promise<void>;
  /** Let the lead's record expire for real (memory: move the clock on; Redis: make its keys lapse). */
  expire(leadId: string): Promise<void>;
  cleanup(): Promise<void>;
}

export function sampleRecord(overrides: Partial<LeadRecord> = {}): LeadRecord {
  const leadId = overrides.leadId ?? `01J${randomUUID().replace(/-/g, '').slice(0, 23).toUpperCase()}`;
  return {
    leadId,
    entity: 'mortgage',
    source: 'vendor-a',
    receivedAt: '2025-03-01T10:00:00.000Z',
    test: false,
    status: 'routed',
    state: 'pending',
    routes: [
      { profile: 'residential-east', partner: 'acme', deliveryId: `${leadId}-d1`, status: 'queued', price: 42.5 },
      { profile: 'commercial', partner: 'northwind', deliveryId: `${leadId}-d2`, status: 'queued' },
    ],
    attempts: [],
    trace: [
      {
        profile: 'residential-east', name: 'Residential - East', strategy: 'first-match', outcome: 'matched',
        message: 'profile residential-east matched',
        partners: [{ partner: 'acme', priority: 10, outcome: 'selected', message: 'acme selected' }],
      },
    ],
    ...overrides,
  };
}

export function sampleAttempt(deliveryId: string, n: number, overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    deliveryId, profile: 'residential-east', partner: 'acme', channel: 'webhook', attempt: n,
    at: new Date(Date.UTC(2025, 2, 1, 10, 0, n)).toISOString(), durationMs: 12 + n, outcome: 'retryable',
    statusCode: 503, error: 'HTTP 503', ...overrides,
  };
}

export function leadStoreContract(name: string, make: () => Promise<LeadStoreHarness>): void {
  describe(`LeadStore contract: ${name}`, () => {
    let h: LeadStoreHarness;
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => {
      await h.store.close();
      await h.cleanup();
    });

    it('returns what was saved, and null for an unknown lead', async () => {
      const rec = sampleRecord({ test: true, attempts: [sampleAttempt('x', 1)] });
      await h.store.save(rec);
      expect(await h.store.get(rec.leadId)).toEqual(rec);
      expect(await h.store.get('01UNKNOWN')).toBeNull();
    });

    it('keeps an unmatched lead with no routes', async () => {
      const rec = sampleRecord({ status: 'unmatched', state: 'unmatched', routes: [] });
      await h.store.save(rec);
      expect(await h.store.get(rec.leadId)).toEqual(rec);
    });

    it('hands out copies: changing a returned record changes nothing stored', async () => {
      const rec = sampleRecord();
      await h.store.save(rec);
      rec.routes[0].status = 'delivered';
      const got = (await h.store.get(rec.leadId))!;
      expect(got.routes[0].status).toBe('queued');
      got.routes.push({ ...got.routes[0], deliveryId: 'z' });
      got.attempts.push(sampleAttempt('z', 1));
      expect((await h.store.get(rec.leadId))!.routes).toHaveLength(2);
      expect((await h.store.get(rec.leadId))!.attempts).toHaveLength(0);
      got.trace[0].message = 'changed';
      expect((await h.store.get(rec.leadId))!.trace[0].message).toBe('profile residential-east matched');
    });

    it('save replaces an earlier record with the same id entirely', async () => {
      const rec = sampleRecord({ attempts: [sampleAttempt('a', 1)] });
      await h.store.save(rec);
      const replaced = sampleRecord({ leadId: rec.leadId, routes: [rec.routes[1]], state: 'rejected' });
      await h.store.save(replaced);
      expect(await h.store.get(rec.leadId)).toEqual(replaced);
    });

    it('appends routes in order and ignores a second route with the same deliveryId', async () => {
      const rec = sampleRecord();
      await h.store.save(rec);
      const next: RouteRecord = { profile: 'residential-east', partner: 'northwind', deliveryId: 'wf-1', status: 'queued', price: 10 };
      expect(await h.store.addRoute(rec.leadId, next)).toBe(true);
      expect(await h.store.addRoute(rec.leadId, { ...next, partner: 'other', status: 'delivered' })).toBe(true);
      const got = (await h.store.get(rec.leadId))!;
      expect(got.routes.map((r) => r.deliveryId)).toEqual([rec.routes[0].deliveryId, rec.routes[1].deliveryId, 'wf-1']);
      expect(got.routes[2]).toEqual(next);
    });

    it('changes one route status and leaves the others', async () => {
      const rec = sampleRecord();
      await h.store.save(rec);
      expect(await h.store.setRouteStatus(rec.leadId, rec.routes[1].deliveryId, 'rejected')).toBe(true);
      const got = (await h.store.get(rec.leadId))!;
      expect(got.routes.map((r) => r.status)).toEqual(['queued', 'rejected']);
      expect(got.routes[0].price).toBe(42.5);
    });

    it('says false for a route it does not know and adds nothing', async () => {
      const rec = sampleRecord();
      await h.store.save(rec);
      expect(await h.store.setRouteStatus(rec.leadId, 'nope', 'delivered')).toBe(false);
      expect(await h.store.get(rec.leadId)).toEqual(rec);
    });

    it('appends attempts in order, concurrent ones included', async () => {
      const rec = sampleRecord();
      await h.store.save(rec);
      const d = rec.routes[0].deliveryId;
      const attempts = Array.from({ length: 20 }, (_, i) => sampleAttempt(d, i + 1));
      await h.store.addAttempt(rec.leadId, attempts[0]);
      const results = await Promise.all(attempts.slice(1).map((a) => h.store.addAttempt(rec.leadId, a)));
      expect(results.every(Boolean)).toBe(true);
      const got = (await h.store.get(rec.leadId))!;
      expect(got.attempts[0]).toEqual(attempts[0]);
      expect(got.attempts.map((a) => a.attempt).sort((a, b) => a - b)).toEqual(attempts.map((a) => a.attempt));
    });

    it('keeps an attempt exactly, SMTP reply and error included', async () => {
      const rec = sampleRecord();
      await h.store.save(rec);
      const a = sampleAttempt(rec.routes[1].deliveryId, 1, {
        channel: 'email', statusCode: undefined, smtpReply: '550 5.1.1 <x@example.com>: unknown user', outcome: 'rejected',
        error: 'recipient refused',
      });
      delete a.statusCode;
      await h.store.addAttempt(rec.leadId, a);
      expect((await h.store.get(rec.leadId))!.attempts).toEqual([a]);
    });

    it('sets the lead state', async () => {
      const rec = sampleRecord();
      await h.store.save(rec);
      expect(await h.store.setState(rec.leadId, 'dead-lettered')).toBe(true);
      expect((await h.store.get(rec.leadId))!.state).toBe('dead-lettered');
    });

    it('update writes the attempt, the route status and the lead state together', async () => {
      const rec = sampleRecord();
      await h.store.save(rec);
      const d = rec.routes[1].deliveryId;
      const a = sampleAttempt(d, 1, { outcome: 'accepted', statusCode: 200 });
      delete a.error;
      expect(await h.store.update(rec.leadId, { attempt: a, route: { deliveryId: d, status: 'delivered' }, state: 'delivered' })).toBe(true);
      expect(await h.store.update(rec.leadId, { attempt: sampleAttempt(d, 2) })).toBe(true);
      const got = (await h.store.get(rec.leadId))!;
      expect(got.state).toBe('delivered');
      expect(got.routes.map((r) => r.status)).toEqual(['queued', 'delivered']);
      expect(got.attempts).toEqual([a, sampleAttempt(d, 2)]);
      expect(await h.store.update(rec.leadId, {})).toBe(true);
    });

    it('update with an unknown route writes nothing at all', async () => {
      const rec = sampleRecord();
      await h.store.save(rec);
      const change = { attempt: sampleAttempt('nope', 1), route: { deliveryId: 'nope', status: 'delivered' as const }, state: 'delivered' as const };
      expect(await h.store.update(rec.leadId, change)).toBe(false);
      expect(await h.store.get(rec.leadId)).toEqual(rec);
    });

    it('startDelivery marks a queued route delivering and says what it was', async () => {
      const rec = sampleRecord();
      await h.store.save(rec);
      expect(await h.store.startDelivery(rec.leadId, rec.routes[0])).toEqual({ record: true, previous: 'queued' });
      expect(await h.store.startDelivery(rec.leadId, rec.routes[0])).toEqual({ record: true, previous: 'delivering' });
      const got = (await h.store.get(rec.leadId))!;
      expect(got.routes.map((r) => r.status)).toEqual(['delivering', 'queued']);
      expect(got.state).toBe('pending');
    });

    it('startDelivery leaves a delivered route as it is', async () => {
      const rec = sampleRecord({ state: 'delivered' });
      rec.routes[0].status = 'delivered';
      rec.routes[1].status = 'test-delivered';
      await h.store.save(rec);
      expect(await h.store.startDelivery(rec.leadId, rec.routes[0])).toEqual({ record: true, previous: 'delivered' });
      expect(await h.store.startDelivery(rec.leadId, rec.routes[1])).toEqual({ record: true, previous: 'test-delivered' });
      expect(await h.store.get(rec.leadId)).toEqual(rec);
    });

    it('startDelivery leaves an ended route ended (only reopenRoute sends it again), and adds a route it does not know, in order', async () => {
      const rec = sampleRecord({ state: 'dead-lettered' });
      rec.routes[0].status = 'failed';
      rec.routes[1].status = 'rejected';
      await h.store.save(rec);
      expect(await h.store.startDelivery(rec.leadId, { ...rec.routes[0], status: 'queued' })).toEqual({ record: true, previous: 'failed' });
      expect(await h.store.startDelivery(rec.leadId, { ...rec.routes[1], status: 'queued' })).toEqual({ record: true, previous: 'rejected' });
      let got = (await h.store.get(rec.leadId))!;
      expect(got.state).toBe('dead-lettered');
      expect(got.routes.map((r) => r.status)).toEqual(['failed', 'rejected']);

      const extra: RouteRecord = { profile: 'residential-east', partner: 'zeta', deliveryId: 'wf-9', status: 'queued', price: 3 };
      expect(await h.store.startDelivery(rec.leadId, extra)).toEqual({ record: true, previous: null });
      got = (await h.store.get(rec.leadId))!;
      expect(got.routes[2]).toEqual({ ...extra, status: 'delivering' });
      expect(got.routes).toHaveLength(3);
    });

    it('startDelivery of a reopened route marks it delivering and the settled lead pending', async () => {
      const rec = sampleRecord({ state: 'dead-lettered' });
      rec.routes[0].status = 'failed';
      rec.routes[1].status = 'rejected';
      await h.store.save(rec);
      expect(await h.store.reopenRoute(rec.leadId, rec.routes[0].deliveryId, { soleSale: true })).toEqual({ outcome: 'reopened', previous: 'failed' });
      let got = (await h.store.get(rec.leadId))!;
      expect(got.routes.map((r) => r.status)).toEqual(['queued', 'rejected']);
      expect(got.state).toBe('pending');
      expect(await h.store.startDelivery(rec.leadId, rec.routes[0])).toEqual({ record: true, previous: 'queued' });
      got = (await h.store.get(rec.leadId))!;
      expect(got.routes.map((r) => r.status)).toEqual(['delivering', 'rejected']);
      expect(got.state).toBe('pending');
    });

    it('returnRoute marks a delivered route returned, once, and leaves any other route as it is', async () => {
      const rec = sampleRecord({ state: 'delivered' });
      rec.routes[0].status = 'delivered';
      rec.routes[1].status = 'rejected';
      await h.store.save(rec);
      const [sold, other] = rec.routes;
      const returned = { at: '2026-03-11T09:00:00.000Z', reason: 'disconnected phone', refilled: true };
      expect(await h.store.returnRoute(rec.leadId, other.deliveryId, returned)).toEqual({ outcome: 'not-delivered', status: 'rejected' });
      expect(await h.store.returnRoute(rec.leadId, 'nope', returned)).toEqual({ outcome: 'no-route' });
      expect(await h.store.returnRoute('01NEVERSAVED', 'nope', returned)).toEqual({ outcome: 'no-record' });
      expect(await h.store.returnRoute(rec.leadId, sold.deliveryId, returned)).toEqual({ outcome: 'returned' });
      expect(await h.store.returnRoute(rec.leadId, sold.deliveryId, { ...returned, reason: 'again' })).toEqual({ outcome: 'not-delivered', status: 'returned' });
      const got = (await h.store.get(rec.leadId))!;
      expect(got.routes[0]).toEqual({ ...sold, status: 'returned', returned });
      expect(got.routes[1]).toEqual(other);
      expect(got.state).toBe('delivered');
    });

    it('reopenRoute refuses a route that has not ended, and on a sole-sale profile one whose lead another route sold or is selling', async () => {
      const rec = sampleRecord({ state: 'delivered' });
      const sameProfile: RouteRecord = { profile: 'residential-east', partner: 'zeta', deliveryId: `${rec.leadId}-d3`, status: 'delivered' };
      rec.routes[0].status = 'failed';
      rec.routes[1].status = 'delivering';
      rec.routes.push(sameProfile);
      await h.store.save(rec);
      const [first, other] = rec.routes;
      expect(await h.store.reopenRoute(rec.leadId, first.deliveryId, { soleSale: true })).toEqual({ outcome: 'sold', by: sameProfile });
      expect(await h.store.reopenRoute(rec.leadId, other.deliveryId, { soleSale: false })).toEqual({ outcome: 'not-ended', status: 'delivering' });
      expect(await h.store.reopenRoute(rec.leadId, 'nope', { soleSale: false })).toEqual({ outcome: 'no-route' });
      expect(await h.store.reopenRoute('01NEVERSAVED', 'nope', { soleSale: false })).toEqual({ outcome: 'no-record' });
      expect(await h.store.get(rec.leadId)).toEqual(rec);
      // Where every partner gets the lead (send-to-all), another delivered route is no obstacle;
      // the lead stays delivered.
      expect(await h.store.reopenRoute(rec.leadId, first.deliveryId, { soleSale: false })).toEqual({ outcome: 'reopened', previous: 'failed' });
      const got = (await h.store.get(rec.leadId))!;
      expect(got.routes.map((r) => r.status)).toEqual(['queued', 'delivering', 'delivered']);
      expect(got.state).toBe('delivered');
      expect(await h.store.reopenRoute(rec.leadId, first.deliveryId, { soleSale: false })).toEqual({ outcome: 'not-ended', status: 'queued' });
    });

    it('concurrent reopenRoute calls of two dead letters of one sole-sale profile: one wins', async () => {
      const rec = sampleRecord({ state: 'dead-lettered' });
      rec.routes[1] = { ...rec.routes[1], profile: 'residential-east' };
      rec.routes[0].status = 'failed';
      rec.routes[1].status = 'dead-lettered';
      await h.store.save(rec);
      const answers = await Promise.all(rec.routes.map((r) => h.store.reopenRoute(rec.leadId, r.deliveryId, { soleSale: true })));
      expect(answers.map((a) => a.outcome).sort()).toEqual(['reopened', 'sold']);
    });

    it('every write on an unknown lead says false and creates nothing', async () => {
      const id = '01NEVERSAVED';
      expect(await h.store.addRoute(id, { profile: 'p', partner: 'a', deliveryId: 'd', status: 'queued' })).toBe(false);
      expect(await h.store.setRouteStatus(id, 'd', 'delivered')).toBe(false);
      expect(await h.store.addAttempt(id, sampleAttempt('d', 1))).toBe(false);
      expect(await h.store.setState(id, 'delivered')).toBe(false);
      expect(await h.store.update(id, { attempt: sampleAttempt('d', 1), state: 'delivered' })).toBe(false);
      expect(await h.store.startDelivery(id, { profile: 'p', partner: 'a', deliveryId: 'd', status: 'queued' })).toEqual({ record: false });
      expect(await h.store.get(id)).toBeNull();
    });

    describe('commit', () => {
      const now = () => (h.now ?? Date.now)();
      const advance = (ms: number) => (h.advance ? h.advance(ms) : new Promise<void>((r) => setTimeout(r, ms)));
      const route = (rec: LeadRecord) => ({ ...rec.routes[0], status: 'delivering' as const });

      it('an uncommitted lead holds its deliveries until committed', async () => {
        const rec = sampleRecord();
        await h.store.save(rec, { uncommitted: {} });
        expect(await h.store.startDelivery(rec.leadId, route(rec))).toEqual({ record: false, uncommitted: 'open' });
        expect((await h.store.get(rec.leadId))?.routes[0].status).toBe('queued');
        expect(await h.store.commit(rec.leadId)).toBe(true);
        expect(await h.store.commit(rec.leadId)).toBe(true);
        expect(await h.store.abort(rec.leadId)).toEqual({ outcome: 'committed' });
        expect(await h.store.startDelivery(rec.leadId, route(rec))).toEqual({ record: true, previous: 'queued' });
        expect(await h.store.get(rec.leadId)).toMatchObject({ state: 'pending', routes: [{ status: 'delivering' }, { status: 'queued' }] });
      });

      it('an aborted lead is refused for good: never committed, its deliveries dropped, gone from reads', async () => {
        const rec = sampleRecord();
        await h.store.save(rec, { uncommitted: {} });
        expect(await h.store.abort(rec.leadId)).toEqual({
          outcome: 'aborted',
          routes: rec.routes.map((r) => ({ partner: r.partner, deliveryId: r.deliveryId })),
        });
        expect(await h.store.commit(rec.leadId)).toBe(false);
        expect(await h.store.startDelivery(rec.leadId, route(rec))).toEqual({ record: false, uncommitted: 'aborted' });
        expect(await h.store.get(rec.leadId)).toBeNull();
        // Asking again says the same (the reconciler and a router may both ask).
        expect((await h.store.abort(rec.leadId, { late: true })).outcome).toBe('aborted');
      });

      it('a late abort waits for the deadline; past it the lead can no longer be committed', async () => {
        const a = sampleRecord();
        const b = sampleRecord();
        await h.store.save(a, { uncommitted: {} });
        await h.store.save(b, { uncommitted: {} });
        expect(await h.store.abort(a.leadId, { late: true })).toEqual({ outcome: 'open' });
        expect(await h.store.startDelivery(a.leadId, route(a))).toEqual({ record: false, uncommitted: 'open' });
        await advance(CONTRACT_COMMIT_WINDOW_MS + 100);
        expect((await h.store.abort(a.leadId, { late: true })).outcome).toBe('aborted');
        expect(await h.store.commit(b.leadId)).toBe(false);
        expect(await h.store.startDelivery(b.leadId, route(b))).toEqual({ record: false, uncommitted: 'aborted' });
      });

      it('commitBy ends the window sooner', async () => {
        const rec = sampleRecord();
        await h.store.save(rec, { uncommitted: { commitBy: now() + 50 } });
        await advance(150);
        expect(await h.store.commit(rec.leadId)).toBe(false);
        const later = sampleRecord();
        await h.store.save(later, { uncommitted: { commitBy: now() + 60_000 } });
        await advance(50);
        expect(await h.store.commit(later.leadId)).toBe(true);
      });

      it('a lead saved committed, or unknown, needs no commit', async () => {
        const rec = sampleRecord();
        await h.store.save(rec);
        expect(await h.store.commit(rec.leadId)).toBe(true);
        expect(await h.store.abort(rec.leadId)).toEqual({ outcome: 'committed' });
        expect(await h.store.commit('01NEVERSAVED')).toBe(false);
        expect(await h.store.abort('01NEVERSAVED')).toEqual({ outcome: 'unknown' });
      });

      it('openLeads lists leads left uncommitted past the window, oldest first, until they are settled', async () => {
        const [a, b, c, d] = [sampleRecord(), sampleRecord(), sampleRecord(), sampleRecord()];
        await h.store.save(a, { uncommitted: {} });
        await advance(5);
        await h.store.save(b, { uncommitted: {} });
        await h.store.save(c, { uncommitted: {} });
        await h.store.save(d);
        await h.store.commit(c.leadId);
        expect(await h.store.openLeads(10)).toEqual([]);
        await advance(CONTRACT_COMMIT_WINDOW_MS + 100);
        expect(await h.store.openLeads(10)).toEqual([a.leadId, b.leadId]);
        expect(await h.store.openLeads(1)).toEqual([a.leadId]);
        expect((await h.store.abort(a.leadId, { late: true })).outcome).toBe('aborted');
        expect(await h.store.openLeads(10)).toEqual([b.leadId]);
      });
    });

    it('forgets a record once its retention is over, and later writes do not bring it back', async () => {
      const rec = sampleRecord();
      await h.store.save(rec);
      await h.expire(rec.leadId);
      const other = sampleRecord();
      await h.store.save(other);
      expect(await h.store.get(rec.leadId)).toBeNull();
      expect(await h.store.addAttempt(rec.leadId, sampleAttempt(rec.routes[0].deliveryId, 1))).toBe(false);
      expect(await h.store.setState(rec.leadId, 'delivered')).toBe(false);
      expect(await h.store.get(rec.leadId)).toBeNull();
      expect(await h.store.get(other.leadId)).toEqual(other);
    });
  });
}

/** The recent-leads index and activity counts (the console's Leads page and chart), on any LeadStore. */
export function recentLeadsContract(name: string, make: () => Promise<LeadStoreHarness>): void {
  describe(`LeadStore recent-leads contract: ${name}`, () => {
    let h: LeadStoreHarness;
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => {
      await h.store.close();
      await h.cleanup();
    });

    const at = (minute: number, second = 0) => new Date(Date.UTC(2025, 2, 1, 10, minute, second)).toISOString();
    const ids = (page: { leads: { leadId: string }[] }) => page.leads.map((l) => l.leadId);

    it('lists leads newest first, without lead fields or trace, and pages with the cursor', async () => {
      const recs = [0, 1, 2, 3, 4].map((m) => sampleRecord({ receivedAt: at(m) }));
      // Saved out of order: the index follows receivedAt.
      for (const r of [recs[2], recs[0], recs[4], recs[1], recs[3]]) await h.store.save(r);
      await h.store.save(recs[4]); // saving again adds nothing
      const first = await h.store.recent({ limit: 2 });
      expect(ids(first)).toEqual([recs[4].leadId, recs[3].leadId]);
      expect(first.leads[0]).toEqual({
        leadId: recs[4].leadId, entity: 'mortgage', source: 'vendor-a', receivedAt: at(4), test: false, status: 'routed', state: 'pending',
        partners: ['acme', 'northwind'],
      });
      const second = await h.store.recent({ limit: 2, before: first.next! });
      expect(ids(second)).toEqual([recs[2].leadId, recs[1].leadId]);
      const last = await h.store.recent({ limit: 2, before: second.next! });
      expect(ids(last)).toEqual([recs[0].leadId]);
      expect(last.next).toBeNull();
    });

    it('filters by entity, state and partner, and follows state changes', async () => {
      const a = sampleRecord({ receivedAt: at(1) });
      const b = sampleRecord({ receivedAt: at(2), entity: 'solar', routes: [{ profile: 'p', partner: 'sunco', deliveryId: 'sd', status: 'queued' }] });
      const c = sampleRecord({ receivedAt: at(3), status: 'unmatched', state: 'unmatched', routes: [] });
      for (const r of [a, b, c]) await h.store.save(r);
      expect(ids(await h.store.recent({ entity: 'solar' }))).toEqual([b.leadId]);
      expect(ids(await h.store.recent({ partner: 'acme' }))).toEqual([a.leadId]);
      expect(ids(await h.store.recent({ status: 'unmatched' }))).toEqual([c.leadId]);
      await h.store.setState(a.leadId, 'delivered');
      expect(ids(await h.store.recent({ status: 'delivered' }))).toEqual([a.leadId]);
      expect(ids(await h.store.recent({ status: 'pending' }))).toEqual([b.leadId]);
      // A filter that matches across pages still pages by cursor.
      const page = await h.store.recent({ entity: 'mortgage', limit: 1 });
      expect(ids(page)).toEqual([c.leadId]);
      expect(ids(await h.store.recent({ entity: 'mortgage', limit: 1, before: page.next! }))).toEqual([a.leadId]);
    });

    it('leaves out a lead that was never committed (aborted), as get does', async () => {
      const kept = sampleRecord({ receivedAt: at(1) });
      const refused = sampleRecord({ receivedAt: at(2) });
      await h.store.save(kept);
      await h.store.save(refused, { uncommitted: {} });
      await h.store.abort(refused.leadId);
      expect(await h.store.get(refused.leadId)).toBeNull();
      expect(ids(await h.store.recent())).toEqual([kept.leadId]);
    });

    it('a record from before sources were recorded has none in its summary either', async () => {
      await h.store.save(sampleRecord({ receivedAt: at(0), source: undefined }));
      expect((await h.store.recent()).leads[0]).not.toHaveProperty('source');
    });

    it('leaves out records that expired', async () => {
      const a = sampleRecord({ receivedAt: at(1) });
      const b = sampleRecord({ receivedAt: at(2) });
      await h.store.save(a);
      await h.store.save(b);
      await h.expire(b.leadId);
      expect(ids(await h.store.recent())).not.toContain(b.leadId);
    });

    it('keeps only leads received within 7 days of the newest', async () => {
      const old = sampleRecord({ receivedAt: '2025-02-20T10:00:00.000Z' });
      const mid = sampleRecord({ receivedAt: '2025-02-23T10:00:00.000Z' });
      await h.store.save(old);
      await h.store.save(mid);
      expect(ids(await h.store.recent())).toEqual([mid.leadId, old.leadId]);
      await h.store.save(sampleRecord({ receivedAt: at(0) }));
      expect(ids(await h.store.recent())).not.toContain(old.leadId);
      expect(ids(await h.store.recent())).toContain(mid.leadId);
    });

    it('counts leads and delivery attempts per minute', async () => {
      const a = sampleRecord({ receivedAt: at(58, 10) });
      const b = sampleRecord({ receivedAt: at(59, 20) });
      await h.store.save(a);
      await h.store.save(b);
      await h.store.save(b);
      await h.store.addAttempt(a.leadId, sampleAttempt(`${a.leadId}-d1`, 1, { at: at(59, 30), outcome: 'accepted' }));
      await h.store.update(b.leadId, { attempt: sampleAttempt(`${b.leadId}-d1`, 1, { at: at(59, 40) }) });
      const minutes = await h.store.activity(3, new Date(at(59, 59)));
      expect(minutes).toEqual([
        { minute: at(57), leads: 0, delivered: 0, failed: 0 },
        { minute: at(58), leads: 1, delivered: 0, failed: 0 },
        { minute: at(59), leads: 1, delivered: 1, failed: 1 },
      ]);
    });
  });
}
