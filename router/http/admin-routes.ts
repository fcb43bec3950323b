// The admin endpoints under /v1 (returns and dead letters). The app's /v1 middleware has already
// required the admin key for them (app.ts).
import { Hono, type MiddlewareHandler } from 'hono';
import { LeadrouteError } from '../errors.ts';
import type { Env } from './context.ts';
import type { AppDeps } from './deps.ts';
import { readReturnRequest, returnLead } from './returns.ts';
import { store } from './store-errors.ts';

export function adminRoutes(deps: AppDeps, jsonBody: MiddlewareHandler<Env>): Hono<Env> {
  const app = new Hono<Env>();
  const log = deps.logger;

  app.post('/leads/:leadId/returns', jsonBody, async (c) => {
    const leadId = c.req.param('leadId');
    const req = readReturnRequest(c.get('body'));
    const routes = await returnLead(deps, leadId, req);
    log.info({ leadId, partner: req.partner, routes: routes.map((r) => r.deliveryId) }, 'lead returned');
    return c.json({ leadId, routes });
  });

  // ---- dead letters (admin) -----------------------------------------------------------------

  app.get('/deliveries/failed', async (c) => {
    const deliveries = await store('the delivery queue', deps.deadLetters.listFailed());
    return c.json({ deliveries });
  });

  app.post('/deliveries/:id/retry', async (c) => {
    const id = c.req.param('id');
    const ok = await store('the delivery queue', deps.deadLetters.retry(id));
    if (!ok) throw new LeadrouteError('DELIVERY_NOT_FOUND', `no dead-lettered delivery '${id}'`, { deliveryId: id });
    log.info({ deliveryId: id }, 'dead-lettered delivery requeued');
    return c.json({ deliveryId: id, status: 'queued' }, 202);
  });

  return app;
}
