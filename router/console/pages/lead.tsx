// One lead: its routes, delivery attempts, price and decision trace. Never the lead's field values
// (the record has none; the trace's own messages are all it shows of them).
import type { LeadRecord } from '../../leads/types.ts';
import { Layout, when } from '../layout.tsx';
import { Trace } from './trace.tsx';

export function LeadPage(props: { csrf: string; lead: LeadRecord }) {
  const l = props.lead;
  return (
    <Layout title={`Lead ${l.leadId}`} section="leads" csrf={props.csrf}>
      <table>
        <tbody>
          <tr><th scope="row">Entity</th><td>{l.entity}</td></tr>
          <tr><th scope="row">Source</th><td>{l.source ?? '—'}</td></tr>
          <tr><th scope="row">Received (UTC)</th><td>{when(l.receivedAt)}</td></tr>
          <tr><th scope="row">Decision</th><td>{l.status}</td></tr>
          <tr><th scope="row">State</th><td>{l.state}</td></tr>
          <tr><th scope="row">Test lead</th><td>{l.test ? 'yes' : 'no'}</td></tr>
        </tbody>
      </table>
      <h2>Routes</h2>
      {l.routes.length === 0 ? <p class="muted">No routes: the lead was unmatched.</p> : (
        <table>
          <thead><tr><th scope="col">Profile</th><th scope="col">Partner</th><th scope="col">Price</th><th scope="col">Status</th><th scope="col">Delivery id</th></tr></thead>
          <tbody>{l.routes.map((r) => (
            <tr><td>{r.profile}</td><td>{r.partner}</td><td>{r.price ?? '—'}</td><td>{r.status}</td><td class="mono">{r.deliveryId}</td></tr>
          ))}</tbody>
        </table>
      )}
      <h2>Delivery attempts</h2>
      {l.attempts.length === 0 ? <p class="muted">No attempts yet.</p> : (
        <table>
          <thead><tr><th scope="col">At (UTC)</th><th scope="col">Partner</th><th scope="col">Attempt</th><th scope="col">Channel</th><th scope="col">Outcome</th><th scope="col">Answer</th><th scope="col">Took</th></tr></thead>
          <tbody>{l.attempts.map((a) => (
            <tr>
              <td>{when(a.at)}</td><td>{a.partner}</td><td>{a.attempt}</td><td>{a.channel}</td>
              <td class={a.outcome === 'accepted' ? 'ok' : 'bad'}>{a.outcome}</td>
              <td>{[a.statusCode !== undefined ? `HTTP ${a.statusCode}` : '', a.smtpReply ?? '', a.error ?? ''].filter(Boolean).join(' · ') || '—'}</td>
              <td>{`${a.durationMs} ms`}</td>
            </tr>
          ))}</tbody>
        </table>
      )}
      <h2>Decision trace</h2>
      <Trace trace={l.trace} />
    </Layout>
  );
}
