// A decision trace: one line per profile, and under it one per partner, in the trace's own words
// (the same messages router/lint/format-trace.ts prints and POST /v1/explain returns). A trace
// over thousands of profiles is cut (matched profiles first) so the page stays small.
import type { ProfileTrace } from '../../routing/types.ts';

const TRACE_PROFILES = 200;
const TRACE_PARTNERS = 30;

const tone = (outcome: string) => (outcome === 'matched' || outcome === 'selected' ? 'ok' : outcome.includes('cap') ? 'warn' : 'muted');

export function Trace(props: { trace: readonly ProfileTrace[] }) {
  if (!props.trace.length) return <p class="muted">No profile of this entity could take the lead.</p>;
  // Matched profiles first when the trace must be cut; file order otherwise.
  const shown = props.trace.length <= TRACE_PROFILES ? props.trace
    : [...props.trace.filter((p) => p.outcome === 'matched'), ...props.trace.filter((p) => p.outcome !== 'matched')].slice(0, TRACE_PROFILES);
  const cut = props.trace.length - shown.length;
  return (
    <>
      <ul class="trace">
        {shown.map((pt) => (
          <li>
            <span class={tone(pt.outcome)}>{pt.message}</span>
            {pt.partners.length > 0 && (
              <ul>
                {pt.partners.slice(0, TRACE_PARTNERS).map((p) => <li><span class={tone(p.outcome)}>{p.message}</span></li>)}
                {pt.partners.length > TRACE_PARTNERS && <li class="muted">{`… ${pt.partners.length - TRACE_PARTNERS} more partners`}</li>}
              </ul>
            )}
          </li>
        ))}
      </ul>
      {cut > 0 && <p class="muted">{`${cut} more profiles that did not match are not shown; npm run explain prints the whole trace.`}</p>}
    </>
  );
}
