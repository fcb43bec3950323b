// Overview: the configuration being served, the last reload, Redis, the queue, the last hour.
import type { ReloadStatus } from '../../config/watch.ts';
import type { MinuteActivity } from '../../leads/store.ts';
import { ActivityChart } from '../chart.tsx';
import { Layout, when } from '../layout.tsx';

export interface OverviewData {
  version: string | null;
  loadedAt: Date | null;
  counts: { entities: number; partners: number; profiles: number };
  missingEnv: readonly string[];
  reload: ReloadStatus;
  /** null: embedded mode. */
  redis: string | null;
  queueDepth: number | string;
  deadLetters: number | string;
  activity: MinuteActivity[] | string;
  /** Leads received by outcome since this router started. */
  outcomes: { outcome: string; count: number }[];
}

function Card(props: { k: string; v: string | number; tone?: 'ok' | 'bad' }) {
  return <div class="card"><div class="k">{props.k}</div><div class={`v ${props.tone ?? ''}`}>{props.v}</div></div>;
}

export function OverviewPage(props: { csrf: string; data: OverviewData }) {
  const d = props.data;
  const r = d.reload;
  return (
    <Layout title="Overview" section="overview" csrf={props.csrf}>
      <div class="cards">
        <Card k="Config version" v={d.version ? d.version.slice(0, 12) : 'none loaded'} tone={d.version ? undefined : 'bad'} />
        <Card k="Loaded at" v={when(d.loadedAt?.getTime())} />
        <Card k="Last reload" v={r.at === null ? 'none since start' : r.successful ? 'ok' : 'failed'} tone={r.at === null || r.successful ? 'ok' : 'bad'} />
        <Card k="Redis" v={d.redis === null ? 'not used (embedded)' : d.redis} tone={d.redis === null || d.redis === 'ok' ? 'ok' : 'bad'} />
        <Card k="Queue depth" v={d.queueDepth} />
        <Card k="Dead letters" v={d.deadLetters} tone={d.deadLetters === 0 ? 'ok' : 'bad'} />
      </div>
      <p class="muted">
        {`${d.counts.entities} entities, ${d.counts.partners} partners, ${d.counts.profiles} profiles`}
        {d.version && <>{' (version '}<code>{d.version}</code>{')'}</>}{'.'}
        {r.at !== null && ` Last reload attempt ${when(r.at.getTime())}.`}
      </p>
      {d.missingEnv.length > 0 && (
        <p class="msg bad">Deliveries reference environment variables that are not set: <code>{d.missingEnv.join(', ')}</code></p>
      )}
      {r.error && r.error.length > 0 && (
        <section aria-labelledby="reload-problems">
          <h2 id="reload-problems">Problems of the last reload (the previous configuration is still served)</h2>
          <ul>
            {r.error.map((p) => (
              <li><code>{`${p.file}:${p.line}:${p.col}`}</code> <code>{p.code}</code> {p.message}</li>
            ))}
          </ul>
        </section>
      )}
      <h2>Last hour</h2>
      {typeof d.activity === 'string' ? <p class="msg bad">{d.activity}</p> : <ActivityChart minutes={d.activity} />}
      <h2>Leads by outcome since this router started</h2>
      {d.outcomes.length === 0 ? <p class="muted">No leads yet.</p> : (
        <table>
          <thead><tr><th scope="col">Outcome</th><th scope="col">Leads</th></tr></thead>
          <tbody>{d.outcomes.map((o) => <tr><td>{o.outcome}</td><td>{o.count}</td></tr>)}</tbody>
        </table>
      )}
    </Layout>
  );
}
