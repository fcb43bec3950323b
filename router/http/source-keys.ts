// LEAD_API_KEYS: the lead sources and their keys. An entry is `name:key` or a bare `key`; a bare
// key's source is named by its key id (a short hash: never the key). A lead belongs to the source
// that posted it, so one name given to several keys (a key rotation) is one source.

import { createHash } from 'node:crypto';

export interface SourceKey {
  /** The source's name: in lead records and logs. */
  name: string;
  key: string;
}

/** What a lead posted by the admin key, or by a loopback client with no keys set, belongs to. */
export const ADMIN_SOURCE = 'admin';
export const LOOPBACK_SOURCE = 'loopback';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const NAMED = /^([^:]*):(.*)$/s;

/** A key's public id: a short hash (for logs, bare source names and idempotency scopes), never the key. */
export function keyId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

class SourceKeyError extends Error {
  override name = 'SourceKeyError';
}

/**
 * The entries of LEAD_API_KEYS (already split on commas, trimmed, empty ones dropped). A key that
 * holds a `:` must be named, since the part before the first `:` is read as the name.
 * Throws SourceKeyError (naming the entry by position, never showing a key) on a bad name, an
 * empty key, or one key given to two sources.
 */
export function parseSourceKeys(entries: readonly string[]): SourceKey[] {
  const out: SourceKey[] = [];
  const owner = new Map<string, string>();
  entries.forEach((entry, i) => {
    const m = NAMED.exec(entry);
    const name = m ? m[1].trim() : keyId(entry);
    const key = m ? m[2].trim() : entry;
    const where = `LEAD_API_KEYS entry ${i + 1}`;
    if (!NAME.test(name)) {
      throw new SourceKeyError(`${where}: the source name must be 1 to 64 letters, digits, '.', '_' or '-' (starting with a letter or digit), as in vendor-a:KEY`);
    }
    if (name === ADMIN_SOURCE || name === LOOPBACK_SOURCE) throw new SourceKeyError(`${where}: '${name}' is reserved; name the source otherwise`);
    if (key === '') throw new SourceKeyError(`${where}: source '${name}' has an empty key`);
    const before = owner.get(key);
    if (before !== undefined && before !== name) throw new SourceKeyError(`${where}: the same key is given to sources '${before}' and '${name}'`);
    owner.set(key, name);
    out.push({ name, key });
  });
  return out;
}
