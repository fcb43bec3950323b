// The two ends of a lead's commit (store.ts, SaveOptions): intake learning whether its lead is
// committed even when a reply is lost, and a delivery waiting for the lead it belongs to.
import type { AbortOutcome, DeliveryStart, LeadStore } from './store.ts';
import type { RouteRecord } from './types.ts';

type Commits = Pick<LeadStore, 'commit' | 'abort'>;

/** How often a lost reply is asked about again before intake gives up knowing. */
const ASK_TIMES = 3;
const ASK_PAUSE_MS = 100;
/** How often a delivery looks again at a lead that is not committed yet. */
const WAIT_POLL_MS = 20;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Commit the lead: true when it is committed (the 202), false when it is refused (the 503). A
 * commit whose reply is lost may still have been applied: abort then says which it was (the
 * lead's commands run in order, so the abort sees the commit if it landed) and refuses it if not.
 * `unknown` when the store cannot be asked at all: the caller answers 503, and the commit may
 * have landed (the one case a 503 can still end delivered).
 */
export async function commitOrRefuse(leads: Commits, leadId: string): Promise<boolean | 'unknown'> {
  try {
    return await leads.commit(leadId);
  } catch {
    const asked = await refuse(leads, leadId, ASK_TIMES);
    return asked === 'unknown' ? 'unknown' : asked.outcome === 'committed';
  }
}

/**
 * Refuse a lead whose intake failed before it was committed, so that deliveries that reached the
 * queue anyway are dropped. When the store cannot be asked the lead stays open and is refused at
 * its deadline (by the first delivery that looks, or the reconciler). `times`: how often to ask.
 */
export async function refuse(leads: Commits, leadId: string, times = 1): Promise<AbortOutcome | 'unknown'> {
  for (let i = 0; i < times; i++) {
    try {
      return await leads.abort(leadId);
    } catch {
      if (i < times - 1) await pause(ASK_PAUSE_MS);
    }
  }
  return 'unknown';
}

/**
 * startDelivery, waiting while the lead is uncommitted: its intake is between enqueueing and
 * committing (milliseconds), or died there (the store refuses the lead at its deadline). Answers
 * `uncommitted: 'aborted'` for a refused lead, whose delivery must be dropped.
 */
export async function startCommittedDelivery(leads: Pick<LeadStore, 'startDelivery'>, leadId: string, route: RouteRecord): Promise<DeliveryStart> {
  for (;;) {
    const started = await leads.startDelivery(leadId, route);
    if (started.record || started.uncommitted !== 'open') return started;
    await pause(WAIT_POLL_MS);
  }
}
