// Baseline (a): a bare Hono app on @hono/node-server that parses the same JSON body and
// answers 202 — the ceiling of intake on this machine, with nothing recorded or delivered.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.post('/v1/leads/:entity', async (c) => {
  const lead = await c.req.json<Record<string, unknown>>();
  if (typeof lead !== 'object' || lead === null) return c.json({ error: 'not an object' }, 400);
  return c.json({ leadId: null, status: 'unmatched', routes: [] }, 202);
});
app.get('/healthz', (c) => c.text('ok'));

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.send?.({ port: info.port }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('disconnect', () => process.exit(0));
