// Encryption of `encrypted` lead fields at rest (FIELD_ENCRYPTION_KEY): AES-256-GCM with a random
// 12-byte IV per value. A sealed value is one string, an envelope that names its key:
//
//   lrenc:v1:<key id>:<iv>:<ciphertext + 16-byte tag>      (base64url parts)
//
// The key id is derived from the key (not secret: 8 bytes of a SHA-256 of it), so a value sealed
// under an old key is opened with FIELD_ENCRYPTION_KEY_PREVIOUS during a rotation. The value
// sealed is the field's JSON (any type). `aad` binds a value to where it belongs (lead and field):
// a ciphertext moved to another lead or field does not open.

import { createCipheriv, createDecipheriv, createHash, randomFillSync } from 'node:crypto';

export const FIELD_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PREFIX = 'lrenc:v1:';

export interface FieldCipher {
  /** The key id new values are sealed under. */
  readonly keyId: string;
  seal(value: unknown, aad: string): string;
  /** The value back; throws when the envelope is malformed, its key unknown, or it was altered. */
  open(envelope: string, aad: string): unknown;
}

/**
 * The key in `raw` (base64 or base64url of exactly 32 bytes); null when it is not one. Strict:
 * a decoder that skips stray characters would accept a truncated or mistyped key.
 */
export function decodeFieldKey(raw: string): Buffer | null {
  const text = raw.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return null;
  const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === FIELD_KEY_BYTES ? key : null;
}

export function fieldKeyId(key: Buffer): string {
  return createHash('sha256').update('leadroute field key id\0').update(key).digest().subarray(0, 8).toString('base64url');
}

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX);
}

/** Random IVs, cut from a pool filled by the CSPRNG: one randomBytes call per value cost half a seal. */
function ivSource(): () => Buffer {
  const pool = Buffer.alloc(IV_BYTES * 512);
  let at = pool.length;
  return () => {
    if (at === pool.length) {
      randomFillSync(pool);
      at = 0;
    }
    const iv = Buffer.from(pool.subarray(at, at + IV_BYTES));
    at += IV_BYTES;
    return iv;
  };
}

/** Seals with `current`; opens what was sealed with `current` or any of `previous`. */
export function createFieldCipher(current: Buffer, ...previous: (Buffer | undefined)[]): FieldCipher {
  const keys = new Map<string, Buffer>();
  for (const key of [current, ...previous]) {
    if (!key) continue;
    if (key.length !== FIELD_KEY_BYTES) throw new Error(`a field encryption key must be ${FIELD_KEY_BYTES} bytes`);
    const id = fieldKeyId(key);
    if (!keys.has(id)) keys.set(id, key);
  }
  const keyId = fieldKeyId(current);
  const nextIv = ivSource();

  return {
    keyId,

    seal(value, aad) {
      const iv = nextIv();
      const cipher = createCipheriv('aes-256-gcm', current, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const body = Buffer.concat([cipher.update(JSON.stringify(value) ?? 'null', 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${PREFIX}${keyId}:${iv.toString('base64url')}:${body.toString('base64url')}`;
    },

    open(envelope, aad) {
      if (!isSealed(envelope)) throw new Error('not a sealed value');
      const [id, ivText, bodyText, extra] = envelope.slice(PREFIX.length).split(':');
      if (extra !== undefined || !id || !ivText || !bodyText) throw new Error('malformed sealed value');
      const key = keys.get(id);
      if (!key) throw new Error(`sealed with an unknown key (id ${id}): is FIELD_ENCRYPTION_KEY_PREVIOUS set to the old key?`);
      const iv = Buffer.from(ivText, 'base64url');
      const body = Buffer.from(bodyText, 'base64url');
      if (iv.length !== IV_BYTES || body.length < TAG_BYTES) throw new Error('malformed sealed value');
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      const text = Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      return JSON.parse(text) as unknown;
    },
  };
}
