// Dead letters: deliveries that failed for good, each with a retry that asks for confirmation.
import type { FailedDelivery } from '../../delivery/queue.ts';
import { Layout, Note, when } from '../layout.tsx';

export function DeadLettersPage(props: { csrf: string; list: Partial<FailedDelivery>[]; message?: { text: string; bad: boolean } }) {
  return (
    <Layout title="Dead letters" section="dead-letters" csrf={props.csrf}>
      {props.message && <Note bad={props.message.bad}>{props.message.text}</Note>}
      {props.list.length === 0 ? <p class="muted">No dead letters.</p> : (
        <table>
          <thead><tr><th scope="col">Failed at (UTC)</th><th scope="col">Lead</th><th scope="col">Route</th><th scope="col">Attempts</th><th scope="col">Reason</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
          <tbody>{props.list.map((d) => (
            <tr>
              <td>{when(d.failedAt)}</td>
              <td>{d.leadId ? <a class="mono" href={`/console/leads/${encodeURIComponent(d.leadId)}`}>{d.leadId}</a> : '—'}{d.test && <span class="muted"> test</span>}</td>
              <td>{`${d.profile ?? '?'}/${d.partner ?? '?'}`}</td>
              <td>{d.attempts ?? '—'}</td>
              <td>{d.reason ?? ''}</td>
              <td>{d.deliveryId && <a href={`/console/dead-letters/${encodeURIComponent(d.deliveryId)}/retry`} aria-label={`Retry delivery ${d.deliveryId}`}>Retry…</a>}</td>
            </tr>
          ))}</tbody>
        </table>
      )}
    </Layout>
  );
}

export function ConfirmRetryPage(props: { csrf: string; deliveryId: string; item?: Partial<FailedDelivery> }) {
  const d = props.item;
  return (
    <Layout title="Retry a dead letter" section="dead-letters" csrf={props.csrf}>
      <p>
        {d ? `Send delivery ${props.deliveryId} (lead ${d.leadId ?? '?'} to ${d.profile ?? '?'}/${d.partner ?? '?'}) again, with a fresh set of attempts?`
          : `Delivery ${props.deliveryId} is not in the dead-letter list shown; retry it anyway?`}
      </p>
      <form method="post" action={`/console/dead-letters/${encodeURIComponent(props.deliveryId)}/retry`}>
        <input type="hidden" name="csrf" value={props.csrf} />
        <button type="submit">Yes, retry the delivery</button>{' '}
        <a href="/console/dead-letters">Cancel</a>
      </form>
    </Layout>
  );
}
