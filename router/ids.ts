// Lead and delivery ids: monotonic ULIDs (unique, time-sortable), with their randomness drawn from
// a pool of crypto random bytes refilled 4 KiB at a time. ulid's own source asks the OS for one
// byte per character: 16 calls per id, several ids per lead.

import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/** Uniform numbers in [0, 1) with 8 bits of crypto randomness each (ulid needs 5 per character). */
export function pooledRandom(poolSize = 4096): () => number {
  const pool = new Uint8Array(poolSize);
  let at = poolSize;
  return () => {
    if (at === poolSize) {
      randomFillSync(pool);
      at = 0;
    }
    return pool[at++] / 256;
  };
}

/** A new monotonic ULID factory. */
export function createIdFactory(): () => string {
  return monotonicFactory(pooledRandom());
}
