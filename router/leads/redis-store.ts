// LeadStore on Redis. One lead is ONE hash, `${prefix}lead:{leadId}` (the braces are a hash tag:
// Cluster-safe); its fields are listed in ./redis-codec.ts, so a status change or a new attempt
// is a small field write, never a rewrite of the record.
// Every call is one round trip: one script per write (save, update, startDelivery, addRoute),
// one HGETALL per read. A script's first command is PEXPIRE: it restarts the retention period
// and, answering 0 for a missing key, is the existence check, so a late write never brings back
// part of an expired record. Redis errors become UNAVAILABLE.

import { readFileSync } from 'node:fs';
import type { RedisClient } from '../redis.ts';
import { replicaWaitMsFor, waitForReplica } from '../redis-replica.ts';
import { LeadrouteError } from '../errors.ts';
import {
  DEFAULT_COMMIT_WINDOW_MS, DEFAULT_LEAD_RETENTION_MS,
  type AbortOutcome, type DeliveryStart, type LeadChange, type LeadStore, type LeadStoreOptions, type RouteReopening,
  type RouteReturnOutcome, type SaveOptions,
} from './store.ts';
import { decodeLead, routeJson, type StoredRoute } from './redis-codec.ts';
import { encodeTrace } from './trace-codec.ts';
import type { LeadRecord, RouteState } from './types.ts';
import { createRedisRecentIndex } from './recent-redis.ts';

// ARGV: retention, commit window ('' = save committed), commit-by ('' = none), then field, value, …
const SAVE = readFileSync(new URL('./redis-store-save.lua', import.meta.url), 'utf8');

// 1 when committed (now or before), 0 when aborted, too late (aborted now) or unknown. No PEXPIRE:
// the save just set the retention.
const COMMIT = readFileSync(new URL('./redis-store-commit.lua', import.meta.url), 'utf8');

// ARGV: '1' to abort only past the deadline. Returns {outcome} or {'aborted', route JSON, …}.
const ABORT = readFileSync(new URL('./redis-store-abort.lua', import.meta.url), 'utf8');

// ARGV: retention, attempt JSON or '', deliveryId or '', route status, lead state or ''
const UPDATE = readFileSync(new URL('./redis-store-update.lua', import.meta.url), 'utf8');

// ARGV: retention, deliveryId, status, route JSON (without status)
const ADD_ROUTE = readFileSync(new URL('./redis-store-add-route.lua', import.meta.url), 'utf8');

// ARGV: retention, deliveryId, route JSON (without status). Returns nil without a record, '!open'
// or '!aborted' for an uncommitted lead (nothing written; one past its deadline is aborted now),
// else the route's previous status ('' when it was not recorded).
const START_DELIVERY = readFileSync(new URL('./redis-store-start-delivery.lua', import.meta.url), 'utf8');

// ARGV: retention, deliveryId, '1' when the profile sells a lead once. Returns {'reopened',
// previous} | {'no-record'} | {'no-route'} | {'not-ended', status} | {'sold', route JSON, status}.
const REOPEN_ROUTE = readFileSync(new URL('./redis-store-reopen-route.lua', import.meta.url), 'utf8');

// ARGV: retention, deliveryId, the return (JSON). Returns {'returned'} | {'no-record'} |
// {'no-route'} | {'not-delivered', status}.
const RETURN_ROUTE = readFileSync(new URL('./redis-store-return-route.lua', import.meta.url), 'utf8');

type Arg = string | number;
interface LeadCommands {
  leadrouteLeadSave(key: string, ...args: Arg[]): Promise<number>;
  leadrouteLeadUpdate(key: string, ...args: Arg[]): Promise<number>;
  leadrouteLeadAddRoute(key: string, ...args: Arg[]): Promise<number>;
  leadrouteLeadStartDelivery(key: string, ...args: Arg[]): Promise<string | null>;
  leadrouteLeadReopenRoute(key: string, ...args: Arg[]): Promise<string[]>;
  leadrouteLeadReturnRoute(key: string, ...args: Arg[]): Promise<string[]>;
  leadrouteLeadCommit(key: string, ...args: Arg[]): Promise<number>;
  leadrouteLeadAbort(key: string, ...args: Arg[]): Promise<string[]>;
}

function defineCommands(redis: RedisClient): RedisClient & LeadCommands {
  const scripts: Record<keyof LeadCommands, string> = {
    leadrouteLeadSave: SAVE,
    leadrouteLeadUpdate: UPDATE,
    leadrouteLeadAddRoute: ADD_ROUTE,
    leadrouteLeadStartDelivery: START_DELIVERY,
    leadrouteLeadReopenRoute: REOPEN_ROUTE,
    leadrouteLeadReturnRoute: RETURN_ROUTE,
    leadrouteLeadCommit: COMMIT,
    leadrouteLeadAbort: ABORT,
  };
  for (const [name, lua] of Object.entries(scripts)) {
    if (typeof (redis as unknown as Record<string, unknown>)[name] !== 'function') {
      redis.defineCommand(name, { lua, numberOfKeys: 1 });
    }
  }
  return redis as RedisClient & LeadCommands;
}

function unavailable(err: unknown): LeadrouteError {
  if (err instanceof LeadrouteError) return err;
  return new LeadrouteError('UNAVAILABLE', 'the lead store is not answering', undefined, { cause: err });
}

/** A braced id would break the hash tag; such an id can never have been saved. */
const validId = (leadId: string) => leadId.length > 0 && !/[{}]/.test(leadId);

export interface RedisLeadStoreOptions extends LeadStoreOptions {
  /** Namespaces the keys (e.g. `leadroute:`). */
  prefix?: string;
  /**
   * On a Redis Cluster, how long a commit waits for a replica of its master to have it (default
   * replicaWaitMsFor(1000), the cluster client's default command timeout): give the value the
   * delivery queue's enqueue uses, replicaWaitMsFor(REDIS_COMMAND_TIMEOUT_MS).
   */
  replicaWaitMs?: number;
}

/**
 * A LeadStore on an existing ioredis client (router/redis.ts). The client is injected: `close()`
 * leaves it open, its owner quits it.
 */
export function createRedisLeadStore(redis: RedisClient, opts: RedisLeadStoreOptions = {}): LeadStore {
  const r = defineCommands(redis);
  const prefix = opts.prefix ?? '';
  const retentionMs = opts.retentionMs ?? DEFAULT_LEAD_RETENTION_MS;
  const commitWindowMs = opts.commitWindowMs ?? DEFAULT_COMMIT_WINDOW_MS;
  const replicaWaitMs = opts.replicaWaitMs ?? replicaWaitMsFor(1000);
  const keyOf = (leadId: string) => `${prefix}lead:{${leadId}}`;
  // Uncommitted leads by save time (router clock): a hint for the reconciler, which asks each
  // lead itself. Written next to the lead, not with it (another Cluster slot): a superset at worst.
  const openIndex = `${prefix}leads:open`;
  const unindex = (...leadIds: string[]) => {
    r.zrem(openIndex, ...leadIds).catch(() => undefined);
  };
  const recentIndex = createRedisRecentIndex(redis, prefix, keyOf);

  const run = async (leadId: string, call: (key: string) => Promise<number>): Promise<boolean> => {
    if (!validId(leadId)) return false;
    try {
      return (await call(keyOf(leadId))) === 1;
    } catch (err) {
      throw unavailable(err);
    }
  };

  const update = (leadId: string, change: LeadChange) =>
    run(leadId, (key) => r.leadrouteLeadUpdate(
      key, retentionMs,
      change.attempt ? JSON.stringify(change.attempt) : '',
      change.route?.deliveryId ?? '', change.route?.status ?? '',
      change.state ?? '',
    ));
  // Attempts are counted per minute for the console's chart (buffered: no extra round trip).
  const countedUpdate = (leadId: string, change: LeadChange) => {
    if (change.attempt) recentIndex.attempt(change.attempt);
    return update(leadId, change);
  };

  return {
    async save(record: LeadRecord, o: SaveOptions = {}): Promise<void> {
      if (!validId(record.leadId)) throw new LeadrouteError('INTERNAL', 'a lead id may not contain { or }');
      const { routes, attempts, state, trace, ...lead } = record;
      const open = o.uncommitted;
      const args: Arg[] = [
        retentionMs, open ? commitWindowMs : '', open?.commitBy ?? '',
        'lead', JSON.stringify(lead), 't', encodeTrace(trace), 'state', state, 'nr', routes.length, 'na', attempts.length,
      ];
      routes.forEach((route, i) => args.push(`r:${i + 1}`, routeJson(route), `s:${route.deliveryId}`, route.status));
      attempts.forEach((a, i) => args.push(`a:${i + 1}`, JSON.stringify(a)));
      try {
        // Indexed first, so an uncommitted lead is never out of the reconciler's sight.
        await Promise.all([
          open ? r.zadd(openIndex, Date.now(), record.leadId) : undefined,
          r.leadrouteLeadSave(keyOf(record.leadId), ...args),
        ]);
      } catch (err) {
        throw unavailable(err);
      }
      recentIndex.add(record);
    },

    async get(leadId: string): Promise<LeadRecord | null> {
      if (!validId(leadId)) return null;
      let h: Record<string, string>;
      try {
        h = await r.hgetall(keyOf(leadId));
      } catch (err) {
        throw unavailable(err);
      }
      return h.c === 'a' ? null : decodeLead(h);
    },

    async commit(leadId: string): Promise<boolean> {
      if (!validId(leadId)) return false;
      const key = keyOf(leadId);
      let reply: number;
      try {
        reply = await r.leadrouteLeadCommit(key);
      } catch (err) {
        throw unavailable(err);
      }
      unindex(leadId); // settled either way
      // On a Redis Cluster, a commit a replica does not have yet would be lost with its master
      // (the promoted replica holds the lead uncommitted, refused at its deadline: a 202 never
      // delivered). Not waited for: an error, like a lost reply, so that commitOrRefuse asks
      // abort, which on the master then serving the lead says committed or refuses it.
      if (reply === 1) {
        try {
          await waitForReplica(r, key, replicaWaitMs, 'the commit');
        } catch (err) {
          throw unavailable(err);
        }
      }
      return reply === 1;
    },

    async abort(leadId: string, o: { late?: boolean } = {}): Promise<AbortOutcome> {
      if (!validId(leadId)) return { outcome: 'unknown' };
      let reply: string[];
      try {
        reply = await r.leadrouteLeadAbort(keyOf(leadId), o.late ? '1' : '');
      } catch (err) {
        throw unavailable(err);
      }
      const [outcome, ...routes] = reply;
      if (outcome !== 'open') unindex(leadId);
      if (outcome !== 'aborted') return { outcome: outcome as 'committed' | 'open' | 'unknown' };
      return {
        outcome,
        routes: routes.map((json) => {
          const route = JSON.parse(json) as StoredRoute;
          return { partner: route.partner, deliveryId: route.deliveryId };
        }),
      };
    },

    async openLeads(limit: number): Promise<string[]> {
      if (limit <= 0) return [];
      try {
        return await r.zrangebyscore(openIndex, '-inf', Date.now() - commitWindowMs, 'LIMIT', 0, limit);
      } catch (err) {
        throw unavailable(err);
      }
    },

    addRoute(leadId, route) {
      return run(leadId, (key) => r.leadrouteLeadAddRoute(key, retentionMs, route.deliveryId, route.status, routeJson(route)));
    },

    setRouteStatus(leadId, deliveryId, status) {
      return update(leadId, { route: { deliveryId, status } });
    },

    addAttempt(leadId, attempt) {
      return countedUpdate(leadId, { attempt });
    },

    setState(leadId, state) {
      return update(leadId, { state });
    },

    update: countedUpdate,

    async startDelivery(leadId, route): Promise<DeliveryStart> {
      if (!validId(leadId)) return { record: false };
      let previous: string | null;
      try {
        previous = await r.leadrouteLeadStartDelivery(keyOf(leadId), retentionMs, route.deliveryId, routeJson(route));
      } catch (err) {
        throw unavailable(err);
      }
      if (previous === null) return { record: false };
      if (previous === '!open' || previous === '!aborted') return { record: false, uncommitted: previous === '!open' ? 'open' : 'aborted' };
      return { record: true, previous: previous === '' ? null : (previous as RouteState) };
    },

    async returnRoute(leadId, deliveryId, returned): Promise<RouteReturnOutcome> {
      if (!validId(leadId)) return { outcome: 'no-record' };
      let reply: string[];
      try {
        reply = await r.leadrouteLeadReturnRoute(keyOf(leadId), retentionMs, deliveryId, JSON.stringify(returned));
      } catch (err) {
        throw unavailable(err);
      }
      return reply[0] === 'not-delivered' ? { outcome: 'not-delivered', status: reply[1] as RouteState } : { outcome: reply[0] as 'returned' | 'no-record' | 'no-route' };
    },

    async reopenRoute(leadId, deliveryId, { soleSale }): Promise<RouteReopening> {
      if (!validId(leadId)) return { outcome: 'no-record' };
      let reply: string[];
      try {
        reply = await r.leadrouteLeadReopenRoute(keyOf(leadId), retentionMs, deliveryId, soleSale ? '1' : '0');
      } catch (err) {
        throw unavailable(err);
      }
      switch (reply[0]) {
        case 'reopened':
          return { outcome: 'reopened', previous: reply[1] as RouteState };
        case 'not-ended':
          return { outcome: 'not-ended', status: reply[1] as RouteState };
        case 'sold':
          return { outcome: 'sold', by: { ...(JSON.parse(reply[1]) as StoredRoute), status: reply[2] as RouteState } };
        default:
          return { outcome: reply[0] as 'no-record' | 'no-route' };
      }
    },
    recent: (query = {}) => recentIndex.recent(query),
    activity: (minutes, until) => recentIndex.activity(minutes, until),

    async close() {
      await recentIndex.flush();
      /* the client is owned by the caller */
    },
  };
}
