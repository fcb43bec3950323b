// How deliveries sit in BullMQ (queue-bullmq.ts). A BullMQ job costs Redis about 40 commands
// and 3 scripts over its life (add, move to active, lock, finish, events); one per delivery made
// the queue, not the router, the most expensive part of a lead. So the first attempt of every
// delivery travels in a *batch* job: the deliveries enqueued in one event-loop turn (the leads
// taken in that turn), up to `maxBatch`, in one job. Only what needs a second attempt becomes a
// job of its own (an *attempts* job, id = its deliveryId), as does each delivery of a batch that
// was interrupted (see below).
//
// - Duplicates: a batch drops a deliveryId it holds twice; across batches, a delivery is run by
//   the batch that claims it first (a claim key per deliveryId, set in one script per batch, kept
//   CLAIM_TTL_MS); attempts jobs are keyed by deliveryId, so BullMQ adds each once.
// - Interrupted batches: a batch that runs a second time (its router died, BullMQ's stalled check
//   put it back) delivers nothing itself: it turns its deliveries into attempts jobs, each with
//   its own lock and stall count, so one delivery that kills its router cannot take its batch
//   neighbours down with it. A batch BullMQ failed outright (stalled more than allowed before it
//   could be re-run) is split the same way when the failure is seen.
// - Attempts: an attempts job knows the attempts made before it (`prior`), so attempt numbers and
//   the backoff schedule run on from the batch's first attempt.

import { readFileSync } from 'node:fs';
import type { RedisClient } from '../redis.ts';
import type { DeliveryJob } from './types.ts';

/** Job names. A batch's name carries its size, so the queue depth can be summed in Redis. */
const BATCH_NAME_PREFIX = 'batch:';
export const ATTEMPTS_NAME = 'attempts';

export const batchName = (size: number) => `${BATCH_NAME_PREFIX}${size}`;
export const isBatch = (name: string) => name.startsWith(BATCH_NAME_PREFIX);

export interface BatchData {
  deliveries: DeliveryJob[];
}

export interface AttemptsData {
  job: DeliveryJob;
  /** Attempts made before this job (in its batch); counted into attempt numbers and backoff. */
  prior: number;
  /** Set when the delivery failed for good inside its batch: the job is dead-lettered at once, with this reason. */
  deadLetter?: string;
}

/** The attempts data of a non-batch job. */
export function attemptsData(data: unknown): AttemptsData {
  return data as AttemptsData;
}

/** Attempts made, as an admin reads them: a dead-letter job's own run was not an attempt. */
export function attemptsMadeOf(data: AttemptsData, attemptsMade: number): number {
  return data.prior + Math.max(0, attemptsMade - (data.deadLetter ? 1 : 0));
}

/** How long a claim keeps a deliveryId from running in another batch. */
const CLAIM_TTL_MS = 15 * 60_000;

// KEYS: one claim key per delivery. ARGV[1]: the batch's id, ARGV[2]: the claim's TTL.
// Returns 1/0 per key: whether this batch may run that delivery (it claimed it now, or before).
const CLAIM_SCRIPT = readFileSync(new URL('./bullmq-batches-claim.lua', import.meta.url), 'utf8');

// KEYS: wait, paused, active (lists), prioritized, delayed (sorted sets). ARGV[1]: the job key
// prefix. Deliveries waiting, delayed or running: a batch counts its size, any other job one.
// The script's ${BATCH_NAME_PREFIX} is filled in when it is read.
const DEPTH_SCRIPT = readFileSync(new URL('./bullmq-batches-depth.lua', import.meta.url), 'utf8').replaceAll('${BATCH_NAME_PREFIX}', BATCH_NAME_PREFIX);

type ScriptClient = RedisClient & {
  leadrouteClaim(...args: (string | number)[]): Promise<number[]>;
  leadrouteDepth(...args: (string | number)[]): Promise<number>;
};

function scripts(client: RedisClient): ScriptClient {
  const c = client as ScriptClient;
  if (typeof c.leadrouteClaim !== 'function') {
    client.defineCommand('leadrouteClaim', { lua: CLAIM_SCRIPT });
    client.defineCommand('leadrouteDepth', { numberOfKeys: 5, lua: DEPTH_SCRIPT });
  }
  return c;
}

/** `${prefix}:${queueName}:`, where BullMQ keeps the queue's keys. */
export type QueueKeyPrefix = string;

/** The deliveries of a batch this batch may run (the others are run by the batch that claimed them first). */
export async function claimDeliveries(client: RedisClient, keys: QueueKeyPrefix, batchId: string, deliveries: readonly DeliveryJob[]): Promise<DeliveryJob[]> {
  if (deliveries.length === 0) return [];
  const claimKeys = deliveries.map((d) => `${keys}claim:${d.deliveryId}`);
  const mine = await scripts(client).leadrouteClaim(claimKeys.length, ...claimKeys, batchId, CLAIM_TTL_MS);
  return deliveries.filter((_, i) => mine[i] === 1);
}

/** Deliveries waiting, delayed or running (summed in one script). */
export async function deliveryDepth(client: RedisClient, keys: QueueKeyPrefix): Promise<number> {
  const lists = ['wait', 'paused', 'active', 'prioritized', 'delayed'].map((k) => keys + k);
  return Number(await scripts(client).leadrouteDepth(...lists, keys));
}

/**
 * The deliveries of one group commit, cut into batches of at most `max` deliveries without
 * splitting a lead (a lead larger than `max` gets a batch of its own); a deliveryId held twice is kept once.
 */
export function batchesOf(leads: readonly (readonly DeliveryJob[])[], max: number): DeliveryJob[][] {
  const seen = new Set<string>();
  const out: DeliveryJob[][] = [];
  let batch: DeliveryJob[] = [];
  for (const jobs of leads) {
    const fresh = jobs.filter((j) => !seen.has(j.deliveryId) && Boolean(seen.add(j.deliveryId)));
    if (batch.length > 0 && batch.length + fresh.length > max) {
      out.push(batch);
      batch = [];
    }
    batch.push(...fresh);
  }
  if (batch.length) out.push(batch);
  return out;
}
