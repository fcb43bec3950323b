// The key of the duplicate checks' hashes. DEDUPE_KEY must be the same on every router sharing a
// Redis (the runtime refuses to start on Redis without it when a profile uses dedupe); embedded,
// one process holds everything in memory, and a key made at start is as good.
import { randomBytes } from 'node:crypto';

const processKey = randomBytes(32);

export function dedupeKeyFrom(env: NodeJS.ProcessEnv): Buffer {
  const text = env.DEDUPE_KEY?.trim();
  return text ? Buffer.from(text, 'utf8') : processKey;
}
