// Partners: every partner and assignment with its cap windows as bars (used / limit, resets at).
import { BUDGET_LABEL } from '../../caps/budget.ts';
import type { CapUsage } from '../../caps/types.ts';
import { Layout, when } from '../layout.tsx';

export interface PartnerView {
  partner: string;
  name: string;
  active: boolean;
  timezone: string;
  schedule?: string;
  groups: { scope: string; priority?: number; active: boolean; schedule?: string; usage: CapUsage[] }[];
  /** Assignments left out of this page (the fullest are shown). */
  hidden?: number;
}

/** `partner acme day` -> `day`; `east/acme every 36h` -> `every 36h`; `budget partner acme day` -> `budget day`. */
const windowOf = (label: string): string => (label.startsWith(BUDGET_LABEL) ? `budget ${windowOf(label.slice(BUDGET_LABEL.length))}` : label.replace(/^(partner \S+|\S+) /, ''));

/** Budgets are counted in hundredths of a price unit. */
const amount = (u: CapUsage, n: number) => (u.label.startsWith(BUDGET_LABEL) ? (n / 100).toFixed(2) : String(n));

function Scope(props: { g: PartnerView['groups'][number] }) {
  const g = props.g;
  return (
    <>
      {g.scope}
      {g.priority !== undefined && <span class="muted">{` priority ${g.priority}`}</span>}
      {!g.active && <span class="bad"> inactive</span>}
      {g.schedule && <><br /><span class={g.schedule === 'open now' ? 'ok' : 'warn'}>{g.schedule}</span></>}
    </>
  );
}

function Bar(props: { u: CapUsage }) {
  const { used, limit } = props.u;
  const pct = limit > 0 ? Math.min(100, Math.round((used / limit) * 100)) : 100;
  return (
    <span class={used >= limit ? 'bar full' : 'bar'} role="meter" aria-valuemin={0} aria-valuemax={limit} aria-valuenow={Math.min(used, limit)} aria-label={`${props.u.label}: ${amount(props.u, used)} of ${amount(props.u, limit)}`}>
      <span style={`width:${pct}%`}></span>
    </span>
  );
}

export function PartnersPage(props: { csrf: string; partners: PartnerView[]; all: string[]; partner?: string; next: number | null; error?: string }) {
  const only = props.partner ? `partner=${encodeURIComponent(props.partner)}&` : '';
  return (
    <Layout title="Partners" section="partners" csrf={props.csrf}>
      <form method="get" action="/console/partners" aria-label="Choose a partner">
        <label>
          {'Partner '}
          <select name="partner">
            <option value="">all</option>
            {props.all.map((p) => <option value={p} selected={p === props.partner}>{p}</option>)}
          </select>
        </label>
        <button type="submit">Show</button>
      </form>
      {props.error && <p class="msg bad" role="alert">{props.error}</p>}
      {props.partners.length === 0 && <p class="muted">No partners in the loaded configuration.</p>}
      {props.partners.map((p) => (
        <section aria-labelledby={`p-${p.partner}`}>
          <h2 id={`p-${p.partner}`}>
            {p.name} <code class="muted">{p.partner}</code>{' '}
            {!p.active && <span class="bad">inactive</span>}
          </h2>
          <p class="muted">{`Calendar windows in ${p.timezone}.`}{p.schedule && <> Schedule: <span class={p.schedule === 'open now' ? 'ok' : 'warn'}>{p.schedule}</span>.</>}</p>
          <table>
            <thead><tr><th scope="col">Scope</th><th scope="col">Window</th><th scope="col">Usage</th><th scope="col">Used / limit</th><th scope="col">Resets at (UTC)</th></tr></thead>
            <tbody>
              {p.groups.flatMap((g) => (g.usage.length === 0
                ? [<tr><td><Scope g={g} /></td><td colspan={4} class="muted">no caps</td></tr>]
                : g.usage.map((u, i) => (
                  <tr>
                    <td>{i === 0 ? <Scope g={g} /> : ''}</td>
                    <td>{windowOf(u.label)}</td>
                    <td><Bar u={u} /></td>
                    <td class={u.used >= u.limit ? 'bad' : ''}>{`${amount(u, u.used)} / ${amount(u, u.limit)}`}</td>
                    <td>{u.resetsAt === null ? 'never (lifetime)' : when(u.resetsAt)}</td>
                  </tr>
                ))))}
            </tbody>
          </table>
          {(p.hidden ?? 0) > 0 && (
            <p class="muted">
              {`${p.hidden} more assignments not shown (the fullest are listed). `}
              <a href={`/console/partners?partner=${encodeURIComponent(p.partner)}`}>{`All of ${p.partner}`}</a>
            </p>
          )}
        </section>
      ))}
      {props.next !== null && <p class="pager"><a href={`/console/partners?${only}from=${props.next}`} rel="next">More partners</a></p>}
    </Layout>
  );
}
