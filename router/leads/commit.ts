// The two ends of a lead's commit (store.ts, SaveOptions): intake learning whether its lead is
// committed even when a reply is lost, and a delivery waiting for the lead it belongs to.
import type { AbortOutcome, DeliveryStart, LeadStore } from './store.ts';
import type { RouteRecord } from './types.ts';

type Commits = Pick<LeadStore, 'commit' | 'abort'>;

/**
 * How long a lost commit reply is asked about (abort, every ASK_PAUSE_MS) before intake gives up
 * knowing. On a Redis Cluster a commit whose master died before a replica had it is such a lost
 * reply, and the answer only comes from the promoted replica: cluster-node-timeout plus one to two
 * seconds after the kill (2.5–3 s measured with a node timeout of 1000 ms; asking for a fixed
 * 3 × 100 ms gave `unknown`, a 503 that may still be delivered). 4 s covers that; with the last
 * try's command timeout the intake answers within about 5 s, inside the lead's commit window
 * (DEFAULT_COMMIT_WINDOW_MS, 10 s, the time an intake has from save to commit), and a source's
 * request waits that long only while its master is failing over.
 */
const ASK_FOR_MS = 4000;
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
    const asked = await refuse(leads, leadId, ASK_FOR_MS);
    return asked === 'unknown' ? 'unknown' : asked.outcome === 'committed';
  }
}

/**
 * Refuse a lead whose intake failed before it was committed, so that deliveries that reached the
 * queue anyway are dropped. When the store cannot be asked the lead stays open and is refused at
 * its deadline (by the first delivery that looks, or the reconciler). `forMs`: how long to keep
 * asking (every ASK_PAUSE_MS) after a first try fails; 0 asks once.
 */
export async function refuse(leads: Commits, leadId: string, forMs = 0): Promise<AbortOutcome | 'unknown'> {
  const until = Date.now() + forMs;
  for (;;) {
    try {
      return await leads.abort(leadId);
    } catch {
      if (Date.now() + ASK_PAUSE_MS > until) return 'unknown';
      await pause(ASK_PAUSE_MS);
    }
  }
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
