// What the HTTP app needs, injected (router/runtime.ts wires the real parts; tests wire their own).
// Store and queue types are the narrow slices the app uses, so any implementation fits.

import type { AuctionDeps } from '../auction/sell.ts';
import type { CapStore } from '../caps/types.ts';
import type { ReloadStatus } from '../config/watch.ts';
import type { DeliveryQueue } from '../delivery/types.ts';
import type { IdempotencyStore } from '../leads/idempotency.ts';
import type { DuplicateStore } from '../dedupe/duplicate-store.ts';
import type { LeadRecord } from '../leads/types.ts';
import type { LeadStore } from '../leads/store.ts';
import type { Logger } from '../observability/logger.ts';
import type { RouterMetrics } from '../observability/metrics.ts';
import type { Snapshot } from '../routing/snapshot.ts';
import type { ConsoleSources } from '../console/deps.ts';

type AppLeadStore = Pick<LeadStore, 'save' | 'commit' | 'abort'> & {
  get(leadId: string): Promise<LeadRecord | null | undefined>;
  returnRoute: LeadStore['returnRoute'];
};

/** Dead letters: deliveries that failed for good. */
interface AppDeadLetters {
  listFailed(): Promise<readonly unknown[]>;
  /**
   * Re-send a dead-lettered delivery; false when the id is no dead letter. Throws ALREADY_SOLD
   * (another partner of its first-match profile has the lead) or CAP_FULL (nothing sent).
   */
  retry(deliveryId: string): Promise<boolean>;
}

export interface AppDeps {
  /** The snapshot being served; read once per request. */
  getSnapshot(): Snapshot | undefined;
  reloadStatus(): ReloadStatus;
  profilesDir: string;
  caps: CapStore;
  leads: AppLeadStore;
  /**
   * Where delivery jobs go. `admit`, when present, is asked before a lead is routed: false refuses
   * the lead with 503 (delivery is too far behind; nothing reserved or recorded).
   */
  queue: Pick<DeliveryQueue, 'enqueue'> & { admit?(): boolean | Promise<boolean> };
  deadLetters: AppDeadLetters;
  idempotency: IdempotencyStore;
  /** Entity `duplicates` checks; absent: none are made. */
  duplicates?: DuplicateStore;
  logger: Logger;
  metrics: RouterMetrics;
  /** Lead-source keys: LEAD_API_KEYS entries, `name:key` or a bare key. Empty: no auth, loopback clients only. */
  apiKeys: readonly string[];
  /** ADMIN_API_KEY, for the dead-letter endpoints (accepted on every /v1 endpoint too). */
  adminKey?: string;
  /** METRICS_API_KEY: when set, /metrics answers only requests bearing it (401 otherwise). */
  metricsKey?: string;
  /** Largest accepted request body in bytes (default 64 KiB). */
  bodyLimit?: number;
  now(): Date;
  /** Unique, time-sortable ids (monotonic ULIDs). */
  newId: () => string;
  /** ping-post: the ping client, the inbound pings' bid store, auction metrics (default: in memory). */
  auction?: AuctionDeps;
  /** Redis/cap key prefix, e.g. `leadroute:`. */
  capPrefix: string;
  /** More Prometheus text for /metrics (the delivery thread's metrics), appended to the registry's. */
  extraMetrics?(): Promise<string>;
  /** Reasons the router is not ready (empty: ready); the app adds "no config loaded" itself. */
  readiness?(): Promise<string[]>;
  /**
   * Treat a request without a socket address (tests calling app.request()) as loopback.
   * Never set in production.
   */
  allowMissingRemoteAddress?: boolean;
  /** The operator console's data (recent leads, activity, queue, Redis); absent: no /console. */
  console?: ConsoleSources;
}
