// Leads: the recent leads, newest first, filtered by entity, state and partner, a page at a time.
import type { LeadSummary, RecentLeadsQuery } from '../../leads/store.ts';
import { Layout, when } from '../layout.tsx';

export const LEAD_STATES = ['pending', 'delivered', 'rejected', 'dead-lettered', 'unmatched'] as const;

export interface LeadsView {
  query: RecentLeadsQuery;
  leads: LeadSummary[];
  next: string | null;
  entities: string[];
  partners: string[];
  error?: string;
}

function Select(props: { name: string; label: string; value?: string; options: readonly string[] }) {
  return (
    <label>
      {`${props.label} `}
      <select name={props.name}>
        <option value="">any</option>
        {props.options.map((o) => <option value={o} selected={o === props.value}>{o}</option>)}
      </select>
    </label>
  );
}

export function LeadsPage(props: { csrf: string; view: LeadsView }) {
  const v = props.view;
  const q = v.query;
  const filters = new URLSearchParams();
  for (const k of ['entity', 'status', 'partner'] as const) if (q[k]) filters.set(k, q[k]);
  const older = v.next ? `/console/leads?${new URLSearchParams([...filters, ['before', v.next]])}` : null;
  return (
    <Layout title="Leads" section="leads" csrf={props.csrf}>
      <form method="get" action="/console/leads" aria-label="Filter leads">
        <Select name="entity" label="Entity" value={q.entity} options={v.entities} />
        <Select name="status" label="State" value={q.status} options={LEAD_STATES} />
        <Select name="partner" label="Partner" value={q.partner} options={v.partners} />
        <button type="submit">Filter</button>
      </form>
      {v.error && <p class="msg bad" role="alert">{v.error}</p>}
      {v.leads.length === 0 ? <p class="muted">No recent leads match.</p> : (
        <table>
          <thead><tr><th scope="col">Lead</th><th scope="col">Received (UTC)</th><th scope="col">Entity</th><th scope="col">Source</th><th scope="col">State</th><th scope="col">Partners</th></tr></thead>
          <tbody>
            {v.leads.map((l) => (
              <tr>
                <td><a class="mono" href={`/console/leads/${encodeURIComponent(l.leadId)}`}>{l.leadId}</a>{l.test && <span class="muted"> test</span>}</td>
                <td>{when(l.receivedAt)}</td>
                <td>{l.entity}</td>
                <td>{l.source ?? <span class="muted">—</span>}</td>
                <td class={l.state === 'delivered' ? 'ok' : l.state === 'dead-lettered' || l.state === 'rejected' ? 'bad' : ''}>{l.state}</td>
                <td>{l.partners.length ? l.partners.join(', ') : <span class="muted">none</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="pager">
        {(q.before !== undefined) && <><a href={`/console/leads${filters.size ? `?${filters}` : ''}`}>Newest</a>{' · '}</>}
        {older ? <a href={older} rel="next">Older leads</a> : <span class="muted">No older leads.</span>}
      </p>
    </Layout>
  );
}
