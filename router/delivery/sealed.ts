// Encrypted lead fields in the durable queue. A job's encrypted fields are sealed (field-crypto.ts)
// on their way into the queue, so every copy Redis keeps (batches, attempts jobs, dead letters) is
// ciphertext, and opened only by the channel, just before it renders the delivery. The handler,
// the waterfall and the dead-letter list see the sealed job; a waterfall job made from it stays
// sealed. `job.sealed` lists the paths sealed, so a job is opened exactly as it was sealed, whatever
// the config says by then.

import type { DeliveryJob } from '../delivery-job.ts';
import type { Snapshot } from '../routing/snapshot.ts';
import type { FieldCipher } from '../field-crypto.ts';
import type { DurableDeliveryQueue } from './queue.ts';
import type { Channel } from './types.ts';

type Fields = Record<string, unknown>;

const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Fields, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** A copy of `obj` with `change` applied to the value at `path` (dotted); `obj` itself when there is none. */
function updateAt(obj: unknown, path: readonly string[], change: (v: unknown) => unknown): unknown {
  if (!isObject(obj) || !own(obj, path[0])) return obj;
  const current = obj[path[0]];
  const next = path.length === 1 ? (current === undefined ? current : change(current)) : updateAt(current, path.slice(1), change);
  return next === current ? obj : { ...obj, [path[0]]: next };
}

/** What binds a sealed value to its place: a ciphertext moved to another lead or field does not open. */
const aadOf = (leadId: string, path: string) => `${leadId}\0${path}`;

/**
 * `job` with the fields at `paths` sealed. A job sealed already (`sealed` set) or with nothing to
 * seal is returned as it is.
 */
export function sealJob(job: DeliveryJob, paths: readonly string[], cipher: FieldCipher): DeliveryJob {
  if (job.sealed || paths.length === 0) return job;
  let lead: unknown = job.lead;
  const sealed: string[] = [];
  for (const path of paths) {
    // A parent sealed already holds this field inside its ciphertext.
    lead = updateAt(lead, path.split('.'), (value) => {
      sealed.push(path);
      return cipher.seal(value, aadOf(job.leadId, path));
    });
  }
  return sealed.length ? { ...job, lead: lead as Fields, sealed } : job;
}

/** `job` with its sealed fields opened (in the reverse order of sealing). Throws when one does not open. */
export function openJob(job: DeliveryJob, cipher: FieldCipher): DeliveryJob {
  if (!job.sealed?.length) return job;
  let lead: unknown = job.lead;
  for (const path of [...job.sealed].reverse()) {
    lead = updateAt(lead, path.split('.'), (value) => {
      if (typeof value !== 'string') throw new Error(`the sealed field '${path}' is not a sealed value`);
      return cipher.open(value, aadOf(job.leadId, path));
    });
  }
  const { sealed: _sealed, ...open } = job;
  return { ...open, lead: lead as Fields };
}

/**
 * The queue, sealing the encrypted fields of every job enqueued (the entity's `encryptedPaths` in
 * the config being served). A lead's jobs share one lead object: it is sealed once for all of them.
 */
export function sealingQueue(
  queue: DurableDeliveryQueue,
  cipher: FieldCipher,
  encryptedPaths: (entity: string) => readonly string[],
): DurableDeliveryQueue {
  return {
    ...queue,
    enqueue(jobs) {
      const byLead = new Map<DeliveryJob['lead'], DeliveryJob>();
      const out = jobs.map((job) => {
        if (job.sealed) return job;
        const first = byLead.get(job.lead);
        if (first && first.leadId === job.leadId) return first.sealed ? { ...job, lead: first.lead, sealed: first.sealed } : job;
        const sealed = sealJob(job, encryptedPaths(job.entity), cipher);
        byLead.set(job.lead, sealed);
        return sealed;
      });
      return queue.enqueue(out);
    },
  };
}

/** The channel, sent each job with its sealed fields opened; a field that does not open fails the attempt (retryable). */
export function openingChannel(channel: Channel, cipher: FieldCipher): Channel {
  return {
    async send(job, delivery, attempt) {
      let open: DeliveryJob;
      try {
        open = openJob(job, cipher);
      } catch (err) {
        return {
          outcome: 'retryable', channel: delivery.webhook || !delivery.email ? 'webhook' : 'email', durationMs: 0,
          error: `an encrypted field could not be decrypted: ${err instanceof Error ? err.message : String(err)}`,
        };
      }
      return channel.send(open, delivery, attempt);
    },
    close: () => channel.close(),
  };
}

/**
 * With Redis, encrypted fields must be sealed: the reason a config with encrypted fields cannot be
 * served without FIELD_ENCRYPTION_KEY, or null when it can.
 */
export function fieldKeyMissing(snapshot: Snapshot, env: { redisUrl?: string; redisClusterNodes?: readonly unknown[]; fieldEncryptionKey?: Buffer }): string | null {
  if (!(env.redisUrl || env.redisClusterNodes) || env.fieldEncryptionKey) return null;
  for (const entity of snapshot.config.entities.keys()) {
    const paths = snapshot.entity(entity)?.encryptedPaths ?? [];
    if (paths.length) {
      return `entity '${entity}' has encrypted fields (${paths.join(', ')}) and FIELD_ENCRYPTION_KEY is not set: `
        + 'with Redis, encrypted fields are stored encrypted; set FIELD_ENCRYPTION_KEY to the base64 of 32 random bytes (openssl rand -base64 32)';
    }
  }
  return null;
}
