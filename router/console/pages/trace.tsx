// A decision trace: one line per profile, and under it one per partner, in the trace's own words
// (the same messages router/lint/format-trace.ts prints and POST /v1/explain returns).
import type { ProfileTrace } from '../../routing/types.ts';

const tone = (outcome: string) => (outcome === 'matched' || outcome === 'selected' ? 'ok' : outcome.includes('cap') ? 'warn' : 'muted');

export function Trace(props: { trace: readonly ProfileTrace[] }) {
  if (!props.trace.length) return <p class="muted">No profile of this entity could take the lead.</p>;
  return (
    <ul class="trace">
      {props.trace.map((pt) => (
        <li>
          <span class={tone(pt.outcome)}>{pt.message}</span>
          {pt.partners.length > 0 && (
            <ul>{pt.partners.map((p) => <li><span class={tone(p.outcome)}>{p.message}</span></li>)}</ul>
          )}
        </li>
      ))}
    </ul>
  );
}
