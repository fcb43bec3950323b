// LeadStore on Redis. One lead is four keys sharing the hash tag `{leadId}` (Cluster-safe):
//   ${prefix}lead:{id}           hash: `lead` (JSON of the fixed fields and the trace), `state`
//   ${prefix}lead:{id}:routes    list: the routes in order (JSON, without their status)
//   ${prefix}lead:{id}:status    hash: deliveryId -> route status
//   ${prefix}lead:{id}:attempts  list: the delivery attempts in order (JSON)
// so a status change or a new attempt is a small append, never a rewrite of the record. Every
// write is one round trip (MULTI for save, a Lua script for the others) and refreshes the TTL
// of all four keys; the scripts write nothing when the record is gone, so a late write never
// brings back half a record. Redis errors become UNAVAILABLE.

import type { Redis } from 'ioredis';
import { LeadrouteError } from '../errors.ts';
import { DEFAULT_LEAD_RETENTION_MS, type LeadStore, type LeadStoreOptions } from './store.ts';
import type { AttemptRecord, LeadRecord, LeadState, RouteRecord, RouteState } from './types.ts';

const REFRESH = `
local function refresh()
  for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
`;

// ARGV: retention, deliveryId, status, route JSON
const ADD_ROUTE = `${REFRESH}
if redis.call('HSETNX', KEYS[3], ARGV[2], ARGV[3]) == 1 then redis.call('RPUSH', KEYS[2], ARGV[4]) end
refresh()
return 1`;

// ARGV: retention, deliveryId, status
const SET_ROUTE_STATUS = `${REFRESH}
if redis.call('HEXISTS', KEYS[3], ARGV[2]) == 0 then return 0 end
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
refresh()
return 1`;

// ARGV: retention, attempt JSON
const ADD_ATTEMPT = `${REFRESH}
redis.call('RPUSH', KEYS[4], ARGV[2])
refresh()
return 1`;

// ARGV: retention, state
const SET_STATE = `${REFRESH}
redis.call('HSET', KEYS[1], 'state', ARGV[2])
refresh()
return 1`;

type Arg = string | number;
interface LeadCommands {
  leadrouteLeadAddRoute(...args: Arg[]): Promise<number>;
  leadrouteLeadSetRouteStatus(...args: Arg[]): Promise<number>;
  leadrouteLeadAddAttempt(...args: Arg[]): Promise<number>;
  leadrouteLeadSetState(...args: Arg[]): Promise<number>;
}

function defineCommands(redis: Redis): Redis & LeadCommands {
  const scripts: Record<keyof LeadCommands, string> = {
    leadrouteLeadAddRoute: ADD_ROUTE,
    leadrouteLeadSetRouteStatus: SET_ROUTE_STATUS,
    leadrouteLeadAddAttempt: ADD_ATTEMPT,
    leadrouteLeadSetState: SET_STATE,
  };
  for (const [name, lua] of Object.entries(scripts)) {
    if (typeof (redis as unknown as Record<string, unknown>)[name] !== 'function') {
      redis.defineCommand(name, { lua, numberOfKeys: 4 });
    }
  }
  return redis as Redis & LeadCommands;
}

type StoredLead = Omit<LeadRecord, 'routes' | 'attempts' | 'state'>;
type StoredRoute = Omit<RouteRecord, 'status'>;

function unavailable(err: unknown): LeadrouteError {
  if (err instanceof LeadrouteError) return err;
  return new LeadrouteError('UNAVAILABLE', 'the lead store is not answering', undefined, { cause: err });
}

/** A braced id would break the hash tag; such an id can never have been saved. */
const validId = (leadId: string) => leadId.length > 0 && !/[{}]/.test(leadId);

/**
 * A LeadStore on an existing ioredis client (router/redis.ts). The client is injected: `close()`
 * leaves it open, its owner quits it. `prefix` namespaces the keys (e.g. `leadroute:`).
 */
export function createRedisLeadStore(redis: Redis, opts: LeadStoreOptions & { prefix?: string } = {}): LeadStore {
  const r = defineCommands(redis);
  const prefix = opts.prefix ?? '';
  const retentionMs = opts.retentionMs ?? DEFAULT_LEAD_RETENTION_MS;
  const keysOf = (leadId: string): [string, string, string, string] => {
    const base = `${prefix}lead:{${leadId}}`;
    return [base, `${base}:routes`, `${base}:status`, `${base}:attempts`];
  };

  const run = async (leadId: string, call: (keys: string[]) => Promise<number>): Promise<boolean> => {
    if (!validId(leadId)) return false;
    try {
      return (await call(keysOf(leadId))) === 1;
    } catch (err) {
      throw unavailable(err);
    }
  };

  return {
    async save(record: LeadRecord): Promise<void> {
      if (!validId(record.leadId)) throw new LeadrouteError('INTERNAL', 'a lead id may not contain { or }');
      const keys = keysOf(record.leadId);
      const [main, routes, status, attempts] = keys;
      const { routes: routeList, attempts: attemptList, state, ...lead } = record;
      const m = r.multi().del(...keys).hset(main, 'lead', JSON.stringify(lead satisfies StoredLead), 'state', state);
      if (routeList.length) {
        m.rpush(routes, ...routeList.map(({ status: _s, ...rest }) => JSON.stringify(rest satisfies StoredRoute)));
        m.hset(status, ...routeList.flatMap((x) => [x.deliveryId, x.status]));
      }
      if (attemptList.length) m.rpush(attempts, ...attemptList.map((a) => JSON.stringify(a)));
      for (const k of keys) m.pexpire(k, retentionMs);
      try {
        const replies = await m.exec();
        const failed = replies?.find(([err]) => err);
        if (!replies || failed) throw failed?.[0] ?? new Error('MULTI aborted');
      } catch (err) {
        throw unavailable(err);
      }
    },

    async get(leadId: string): Promise<LeadRecord | null> {
      if (!validId(leadId)) return null;
      const [main, routes, status, attempts] = keysOf(leadId);
      let replies: [Error | null, unknown][] | null;
      try {
        replies = await r.multi().hgetall(main).lrange(routes, 0, -1).hgetall(status).lrange(attempts, 0, -1).exec();
      } catch (err) {
        throw unavailable(err);
      }
      if (!replies) throw unavailable(new Error('MULTI aborted'));
      const failed = replies.find(([err]) => err);
      if (failed) throw unavailable(failed[0]);
      const [h, routeList, statuses, attemptList] = replies.map(([, v]) => v) as [
        Record<string, string>, string[], Record<string, string>, string[],
      ];
      if (!h.lead) return null;
      const lead = JSON.parse(h.lead) as StoredLead;
      return {
        ...lead,
        state: h.state as LeadState,
        routes: routeList.map((json) => {
          const route = JSON.parse(json) as StoredRoute;
          return { ...route, status: statuses[route.deliveryId] as RouteState };
        }),
        attempts: attemptList.map((json) => JSON.parse(json) as AttemptRecord),
      };
    },

    addRoute(leadId, route) {
      const { status, ...rest } = route;
      return run(leadId, (keys) =>
        r.leadrouteLeadAddRoute(...keys, retentionMs, route.deliveryId, status, JSON.stringify(rest satisfies StoredRoute)));
    },

    setRouteStatus(leadId, deliveryId, status) {
      return run(leadId, (keys) => r.leadrouteLeadSetRouteStatus(...keys, retentionMs, deliveryId, status));
    },

    addAttempt(leadId, attempt) {
      return run(leadId, (keys) => r.leadrouteLeadAddAttempt(...keys, retentionMs, JSON.stringify(attempt)));
    },

    setState(leadId, state) {
      return run(leadId, (keys) => r.leadrouteLeadSetState(...keys, retentionMs, state));
    },

    async close() {
      /* the client is owned by the caller */
    },
  };
}
