// The console's pages: each handler gathers its data and renders one page component.
import type { Hono } from 'hono';
import type { AppDeps } from '../http/deps.ts';
import type { FailedDelivery } from '../delivery/queue.ts';
import type { LeadState } from '../leads/types.ts';
import type { ExplainJson } from '../lint/format-trace.ts';
import { partnersPage } from './partners-view.ts';
import type { ConsoleSources } from './deps.ts';
import type { ConsoleApp, ConsoleEnv } from './types.ts';
import { ConfirmRetryPage, DeadLettersPage } from './pages/dead-letters.tsx';
import { ExplainPage } from './pages/explain.tsx';
import { LeadPage } from './pages/lead.tsx';
import { LEAD_STATES, LeadsPage } from './pages/leads.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { PartnersPage } from './pages/partners.tsx';
import { Layout, Note } from './layout.tsx';

const why = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A value, or the reason it could not be read (the page still renders). */
async function settle<T>(p: Promise<T>): Promise<T | string> {
  try {
    return await p;
  } catch (err) {
    return `unavailable: ${why(err)}`;
  }
}

const errorOf = (json: Record<string, unknown>) =>
  (json.error ?? { message: 'unexpected answer' }) as { code?: string; message: string; fields?: { field?: string; message?: string }[] };

export function registerPages(con: Hono<ConsoleEnv>, deps: AppDeps, src: ConsoleSources, app: ConsoleApp): void {
  const entities = () => [...(deps.getSnapshot()?.config.entities.keys() ?? [])].sort();
  const partners = () => [...(deps.getSnapshot()?.config.partners.keys() ?? [])].sort();

  con.get('/', async (c) => {
    const snapshot = deps.getSnapshot();
    const [queueDepth, deadLetters, redis, activity, received] = await Promise.all([
      settle(src.queueDepth()), settle(src.deadLetterCount()), settle(src.redisState()),
      settle(src.leads.activity(60, deps.now())), deps.metrics.leadsReceived.get(),
    ]);
    const byOutcome = new Map<string, number>();
    for (const v of received.values) byOutcome.set(String(v.labels.outcome), (byOutcome.get(String(v.labels.outcome)) ?? 0) + v.value);
    return c.html(<OverviewPage csrf={c.get('csrf')} data={{
      version: snapshot?.hash ?? null,
      loadedAt: snapshot?.loadedAt ?? null,
      counts: {
        entities: snapshot?.config.entities.size ?? 0, partners: snapshot?.config.partners.size ?? 0, profiles: snapshot?.config.profiles.length ?? 0,
      },
      missingEnv: snapshot?.missingEnv ?? [],
      reload: deps.reloadStatus(),
      redis, queueDepth, deadLetters, activity,
      outcomes: [...byOutcome].sort((a, b) => b[1] - a[1]).map(([outcome, count]) => ({ outcome, count })),
    }} />);
  });

  con.get('/partners', async (c) => {
    const snapshot = deps.getSnapshot();
    if (!snapshot) return c.html(<PartnersPage csrf={c.get('csrf')} partners={[]} all={[]} next={null} error="No configuration is loaded." />);
    const partner = c.req.query('partner') || undefined;
    const data = await partnersPage(snapshot, {
      prefix: deps.capPrefix, now: deps.now(), partner, from: Number(c.req.query('from') ?? 0) || 0,
      usage: (counters) => deps.caps.usage(counters),
    });
    return c.html(<PartnersPage csrf={c.get('csrf')} partners={data.partners} error={data.error} all={data.all} partner={partner} next={data.next} />);
  });

  con.get('/leads', async (c) => {
    const q = c.req.query();
    const status = (LEAD_STATES as readonly string[]).includes(q.status ?? '') ? (q.status as LeadState) : undefined;
    const query = {
      limit: 50,
      ...(q.entity ? { entity: q.entity } : {}), ...(status ? { status } : {}), ...(q.partner ? { partner: q.partner } : {}),
      ...(q.before ? { before: q.before } : {}),
    };
    const page = await settle(src.leads.recent(query));
    return c.html(<LeadsPage csrf={c.get('csrf')} view={{
      query, entities: entities(), partners: partners(),
      leads: typeof page === 'string' ? [] : page.leads,
      next: typeof page === 'string' ? null : page.next,
      error: typeof page === 'string' ? `The lead store is ${page}` : undefined,
    }} />);
  });

  con.get('/leads/:leadId', async (c) => {
    const lead = await src.leads.get(c.req.param('leadId'));
    if (!lead) {
      return c.html(<Layout title="Lead not found" section="leads" csrf={c.get('csrf')}><Note bad>No lead with this id: unknown, or older than the retention period.</Note></Layout>, 404);
    }
    return c.html(<LeadPage csrf={c.get('csrf')} lead={lead} />);
  });

  const deadLetterList = async () => (await deps.deadLetters.listFailed()) as Partial<FailedDelivery>[];

  con.get('/dead-letters', async (c) => c.html(<DeadLettersPage csrf={c.get('csrf')} list={await deadLetterList()} />));

  con.get('/dead-letters/:id/retry', async (c) => {
    const id = c.req.param('id');
    const item = (await deadLetterList()).find((d) => d.deliveryId === id);
    return c.html(<ConfirmRetryPage csrf={c.get('csrf')} deliveryId={id} item={item} />);
  });

  con.post('/dead-letters/:id/retry', async (c) => {
    const id = c.req.param('id');
    const res = await app.internal('POST', `/v1/deliveries/${encodeURIComponent(id)}/retry`);
    const ok = res.status >= 200 && res.status < 300;
    if (ok) deps.logger.info({ deliveryId: id }, 'dead letter retried from the console');
    const message = ok ? { text: `Delivery ${id} is queued again.`, bad: false } : { text: `Delivery ${id} was not retried: ${errorOf(res.json).message}`, bad: true };
    return c.html(<DeadLettersPage csrf={c.get('csrf')} list={await deadLetterList()} message={message} />, ok ? 200 : (res.status as 404));
  });

  con.get('/explain', (c) => c.html(<ExplainPage csrf={c.get('csrf')} view={{ entities: entities(), entity: c.req.query('entity') }} />));

  con.post('/explain', async (c) => {
    const form = c.get('form');
    const entity = form.get('entity') ?? '';
    const lead = form.get('lead') ?? '';
    const res = await app.internal('POST', `/v1/explain/${encodeURIComponent(entity)}`, lead);
    const view = { entities: entities(), entity, lead };
    if (res.status !== 200) {
      return c.html(<ExplainPage csrf={c.get('csrf')} view={{ ...view, error: errorOf(res.json) }} />, res.status >= 400 && res.status < 500 ? (res.status as 422) : 503);
    }
    return c.html(<ExplainPage csrf={c.get('csrf')} view={{ ...view, result: res.json as unknown as ExplainJson }} />);
  });
}
