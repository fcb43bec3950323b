// The router's HTTP API. Everything it touches is injected (AppDeps), so tests
// run it with app.request() and no server. Errors are thrown as LeadrouteError and mapped to
// statuses in one place (onError + router/http/errors.ts).

import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { matchedRoutes } from 'hono/route';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { LeadrouteError, type ErrorCode } from '../errors.ts';
import { checkLead, definedFields } from '../leads/check-lead.ts';
import { routeWithAuctions, settleAuctions, simulatedBids } from '../routing/ping-post.ts';
import { bearer, createKeyRing, isLoopback, mayRead, remoteAddress, sourceOf } from './auth.ts';
import type { AppDeps } from './deps.ts';
import { HTTP_STATUS } from './errors.ts';
import { metricsAuth } from './metrics-auth.ts';
import { acceptLead, type AcceptedLead } from './accept-lead.ts';
import { adminRoutes } from './admin-routes.ts';
import type { Env } from './context.ts';
import { store } from './store-errors.ts';
import { readBodyText, requestHeader } from './node-request.ts';
import { CONSOLE_PATH, createConsole } from '../console/routes.tsx';
import { claimPing, pingFields, quotePing } from '../auction/inbound.ts';
import type { PingRecord } from '../auction/bid-store.ts';
import { defaultAuctionDeps } from '../auction/sell.ts';

export type { AppDeps } from './deps.ts';


const DEFAULT_BODY_LIMIT = 64 * 1024;
const MAX_IDEMPOTENCY_KEY = 255;

function errorBody(code: ErrorCode, message: string, details?: unknown) {
  const extra = details && typeof details === 'object' && !Array.isArray(details) ? details : details === undefined ? {} : { details };
  return { error: { code, message, ...extra } };
}

/** Any store failure that is not already typed means the lead cannot be handled safely now. */
function isJsonType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mime = contentType.split(';')[0].trim().toLowerCase();
  return mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'));
}

export function createApp(deps: AppDeps): Hono<Env> {
  const app = new Hono<Env>();
  const keys = createKeyRing(deps.apiKeys, deps.adminKey);
  const log = deps.logger;
  const m = deps.metrics;

  app.onError((err, c) => {
    if (err instanceof LeadrouteError) {
      const status = HTTP_STATUS[err.code] ?? 500;
      if (status >= 500) log.warn({ code: err.code, err: err.cause ?? err, path: c.req.path }, err.message);
      return c.json(errorBody(err.code, err.message, err.details), status as ContentfulStatusCode);
    }
    if (err instanceof HTTPException && err.status < 500) {
      const code: ErrorCode = err.status === 413 ? 'TOO_LARGE' : err.status === 401 ? 'UNAUTHORIZED' : 'BAD_REQUEST';
      return c.json(errorBody(code, err.message || 'bad request'), err.status);
    }
    log.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error');
    return c.json(errorBody('INTERNAL', 'internal error'), 500);
  });

  app.notFound((c) => c.json(errorBody('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`), 404));

  // Latency by route pattern (not raw path, to keep label cardinality bounded): the last matched
  // route that is not a middleware (`app.use` registers method ALL).
  app.use('*', async (c: Context<Env>, next) => {
    const start = performance.now();
    await next();
    const routes = matchedRoutes(c);
    let route = 'unmatched';
    for (let i = routes.length - 1; i >= 0; i--) {
      if (routes[i].method !== 'ALL') {
        route = routes[i].path;
        break;
      }
    }
    m.httpRequestDuration.observe({ method: c.req.method, route, status: String(c.res.status) }, (performance.now() - start) / 1000);
  });

  // ---- probes -------------------------------------------------------------------------------

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    const reasons: string[] = [];
    if (!deps.getSnapshot()) reasons.push('no configuration loaded');
    if (deps.readiness) {
      try {
        reasons.push(...(await deps.readiness()));
      } catch (err) {
        reasons.push(`readiness check failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return reasons.length ? c.json({ ready: false, reasons }, 503) : c.json({ ready: true, reasons: [] });
  });

  app.get('/metrics', metricsAuth(deps.metricsKey), async (c) => {
    const text = await m.registry.metrics();
    const extra = deps.extraMetrics ? await deps.extraMetrics().catch(() => '') : '';
    return c.body(extra ? `${text}${text.endsWith('\n') || !text ? '' : '\n'}${extra}` : text, 200, { 'content-type': m.registry.contentType });
  });

  // ---- auth ---------------------------------------------------------------------------------

  const fromLoopback = (c: Context) => {
    const address = remoteAddress(c);
    return address === undefined ? deps.allowMissingRemoteAddress === true : isLoopback(address);
  };

  app.use('/v1/*', async (c: Context<Env>, next) => {
    const adminRoute = c.req.path.startsWith('/v1/deliveries') || /^\/v1\/leads\/[^/]+\/returns$/.test(c.req.path);
    const presented = bearer(c);
    const principal = presented !== null ? keys.match(presented) : null;
    const anyKeys = keys.hasSourceKeys || keys.hasAdminKey;

    if (adminRoute) {
      if (principal?.kind === 'admin') c.set('principal', principal);
      else if (keys.hasAdminKey) throw new LeadrouteError('UNAUTHORIZED', 'this endpoint needs the admin API key (Authorization: Bearer <ADMIN_API_KEY>)');
      else if (keys.hasSourceKeys) throw new LeadrouteError('UNAUTHORIZED', 'ADMIN_API_KEY is not set: the dead-letter endpoints are disabled');
      else if (fromLoopback(c)) c.set('principal', { kind: 'loopback' });
      else throw new LeadrouteError('FORBIDDEN', 'no API keys are configured: only loopback clients are accepted');
      return next();
    }

    if (principal) c.set('principal', principal);
    else if (keys.hasSourceKeys || (anyKeys && presented !== null)) {
      throw new LeadrouteError('UNAUTHORIZED', presented === null ? 'missing API key (Authorization: Bearer <key>)' : 'invalid API key');
    } else if (fromLoopback(c)) c.set('principal', { kind: 'loopback' });
    else throw new LeadrouteError('FORBIDDEN', 'LEAD_API_KEYS is not set: only loopback clients are accepted');
    return next();
  });

  // ---- JSON body: 415, then 413, then 400 -----------------------------------------------------
  // One middleware, reading the body from Node's request directly (node-request.ts).

  const limit = deps.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const jsonBody: MiddlewareHandler<Env> = async (c, next) => {
    if (!isJsonType(requestHeader(c, 'content-type'))) {
      throw new LeadrouteError('UNSUPPORTED_MEDIA', 'the body must be JSON (Content-Type: application/json)');
    }
    const text = await readBodyText(c, limit);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new LeadrouteError('BAD_JSON', 'the body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new LeadrouteError('BAD_REQUEST', 'the body must be a JSON object of the entity\'s fields');
    }
    c.set('body', parsed as Record<string, unknown>);
    return next();
  };

  /** The snapshot for this request, its entity, and the lead checked against it (404, 422). */
  const checkedLead = (c: Context<Env>, countInvalid: boolean) => {
    const snapshot = deps.getSnapshot();
    if (!snapshot) throw new LeadrouteError('UNAVAILABLE', 'no configuration loaded yet');
    const entityId = c.req.param('entity') ?? '';
    const ce = snapshot.entity(entityId);
    if (!ce) throw new LeadrouteError('UNKNOWN_ENTITY', `unknown entity '${entityId}'`, { entity: entityId });
    const lead = c.get('body');
    const fields = checkLead(ce.entity, lead);
    if (fields.length) {
      if (countInvalid) m.leadsReceived.inc({ entity: entityId, outcome: 'invalid' });
      throw new LeadrouteError('INVALID_LEAD', `the lead breaks the definition of entity '${entityId}' (${fields.length} field error${fields.length === 1 ? '' : 's'})`, { fields });
    }
    // Extra fields are accepted and dropped: partners get what the entity defines.
    return { snapshot, entityId, lead: definedFields(ce.entity, lead).lead, encryptedPaths: ce.encryptedPaths };
  };

  // ---- leads --------------------------------------------------------------------------------

  const auction = () => deps.auction ?? defaultAuctionDeps();

  app.post('/v1/leads/:entity', jsonBody, async (c) => {
    // ping-post: a lead posted on an inbound ping names it; the field is not the lead's.
    const pingId = c.get('body').pingId;
    if (pingId !== undefined && (typeof pingId !== 'string' || pingId === '')) throw new LeadrouteError('BAD_REQUEST', 'pingId must be the pingId a ping was answered with');
    const { snapshot, entityId, lead, encryptedPaths } = checkedLead(c, true);
    const test = (requestHeader(c, 'x-lead-test') ?? '').toLowerCase() === 'true';

    const idemKey = requestHeader(c, 'idempotency-key');
    let claim: { scope: string; key: string; token: string } | null = null;
    if (idemKey !== undefined) {
      if (idemKey.length === 0 || idemKey.length > MAX_IDEMPOTENCY_KEY) {
        throw new LeadrouteError('BAD_REQUEST', `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY} characters`);
      }
      // Per source (its name: every key of one source shares it); the admin key is a scope of its own.
      const principal = c.get('principal');
      const scope = principal.kind === 'admin' ? principal.keyId : sourceOf(principal);
      const begun = await store('the idempotency store', deps.idempotency.begin(scope, idemKey));
      if (begun.state === 'done') {
        m.leadsReceived.inc({ entity: entityId, outcome: 'duplicate' });
        c.header('Idempotent-Replayed', 'true');
        return c.json(begun.response.body as object, begun.response.status as ContentfulStatusCode);
      }
      if (begun.state === 'in-progress') {
        throw new LeadrouteError('IN_PROGRESS', 'a request with this Idempotency-Key is still being processed; retry shortly');
      }
      claim = { scope, key: idemKey, token: begun.token };
    }

    let body: AcceptedLead;
    let ping: PingRecord | undefined;
    try {
      const source = sourceOf(c.get('principal'));
      if (pingId !== undefined) ping = await store('the bid store', claimPing(auction(), { pingId, entityId, lead, test, source, now: deps.now() }));
      body = await acceptLead(deps, { snapshot, entityId, lead, test, encryptedPaths, source, ...(ping ? { ping } : {}) });
    } catch (err) {
      if (ping) await auction().bids.unclaim(ping.pingId).catch(() => undefined);
      if (claim) await deps.idempotency.abandon(claim.scope, claim.key, claim.token).catch(() => undefined);
      if (err instanceof LeadrouteError && err.code === 'UNAVAILABLE') m.leadsReceived.inc({ entity: entityId, outcome: 'unavailable' });
      throw err;
    }
    if (claim) {
      // The lead is accepted already: failing to remember the answer must not turn it into an error.
      await deps.idempotency.complete(claim.scope, claim.key, claim.token, { status: 202, body })
        .catch((err) => log.warn({ err, leadId: body.leadId }, 'could not store the idempotent answer'));
    }
    return c.json(body, 202);
  });

  app.post('/v1/pings/:entity', jsonBody, async (c) => {
    const snapshot = deps.getSnapshot();
    if (!snapshot) throw new LeadrouteError('UNAVAILABLE', 'no configuration loaded yet');
    const entityId = c.req.param('entity') ?? '';
    const ce = snapshot.entity(entityId);
    if (!ce) throw new LeadrouteError('UNKNOWN_ENTITY', `unknown entity '${entityId}'`, { entity: entityId });
    const fields = pingFields(ce, c.get('body'));
    const test = (requestHeader(c, 'x-lead-test') ?? '').toLowerCase() === 'true';
    const answer = await store('the bid store', quotePing(auction(), {
      snapshot, entityId, fields, test, source: sourceOf(c.get('principal')),
      route: { caps: deps.caps, now: deps.now(), capPrefix: deps.capPrefix, newId: deps.newId },
    }));
    return c.json(answer, 200);
  });

  app.get('/v1/leads/:leadId', async (c) => {
    const leadId = c.req.param('leadId');
    const record = await store('the lead store', deps.leads.get(leadId));
    // Another source's lead is answered exactly as an unknown one: its existence is not theirs to know.
    if (!record || !mayRead(c.get('principal'), record.source)) throw new LeadrouteError('LEAD_NOT_FOUND', `no lead '${leadId}' (unknown, or older than the retention period)`, { leadId });
    return c.json(record);
  });

  app.post('/v1/explain/:entity', jsonBody, async (c) => {
    const { snapshot, entityId, lead } = checkedLead(c, false);
    const opts = { caps: deps.caps, now: deps.now(), mode: 'dry-run' as const, capPrefix: deps.capPrefix, newId: deps.newId };
    const decision = await routeWithAuctions(snapshot, entityId, lead, opts);
    // Nothing is sent: ping-post profiles say whom they would ping (npm run explain --bids simulates bids).
    if (decision.auctions?.length) await settleAuctions(snapshot, decision, simulatedBids(decision), opts);
    return c.json({
      entity: decision.entity,
      status: decision.status,
      routes: decision.routes.map((r) => ({
        profile: r.profile, partner: r.partner, priority: r.priority, ...(r.price !== undefined ? { price: r.price } : {}),
      })),
      trace: decision.trace,
    });
  });

  // ---- config -------------------------------------------------------------------------------

  app.get('/v1/config', (c) => {
    const snapshot = deps.getSnapshot();
    const status = deps.reloadStatus();
    return c.json({
      version: snapshot?.hash ?? null,
      loadedAt: snapshot?.loadedAt.toISOString() ?? null,
      profilesDir: deps.profilesDir,
      counts: {
        entities: snapshot?.config.entities.size ?? 0,
        partners: snapshot?.config.partners.size ?? 0,
        profiles: snapshot?.config.profiles.length ?? 0,
      },
      missingEnv: snapshot?.missingEnv ?? [],
      lastReload: {
        at: status.at?.toISOString() ?? null,
        successful: status.successful,
        error: status.error,
      },
    });
  });

  // ---- admin: returns and dead letters ------------------------------------------------------

  app.route('/v1', adminRoutes(deps, jsonBody));

  if (deps.console) app.route(CONSOLE_PATH, createConsole(deps, deps.console, (req) => app.fetch(req)));

  return app;
}
