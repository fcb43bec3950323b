import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFieldCipher, decodeFieldKey, fieldKeyId, isSealed } from './field-crypto.ts';

const key = () => randomBytes(32);

describe('createFieldCipher', () => {
  it('opens what it sealed, for any JSON value, and never shows the value', () => {
    const cipher = createFieldCipher(key());
    fc.assert(fc.property(fc.jsonValue(), fc.string(), (value, aad) => {
      const sealed = cipher.seal(value, aad);
      expect(isSealed(sealed)).toBe(true);
      expect(sealed.startsWith(`lrenc:v1:${cipher.keyId}:`)).toBe(true);
      // -0 and 0 are one value in JSON.
      expect(cipher.open(sealed, aad)).toEqual(JSON.parse(JSON.stringify(value)));
    }));
    const sealed = cipher.seal('123-45-6789', 'lead\0ssn');
    expect(sealed).not.toContain('123-45-6789');
    expect(Buffer.from(sealed.split(':')[4], 'base64url').toString('latin1')).not.toContain('123-45-6789');
  });

  it('uses a fresh IV every time: the same value seals differently', () => {
    const cipher = createFieldCipher(key());
    const a = cipher.seal('same', 'x');
    const b = cipher.seal('same', 'x');
    expect(a).not.toBe(b);
    expect(a.split(':')[3]).not.toBe(b.split(':')[3]);
    expect(Buffer.from(a.split(':')[3], 'base64url')).toHaveLength(12);
    const ivs = new Set(Array.from({ length: 1500 }, () => cipher.seal(1, 'x').split(':')[3])); // across pool refills
    expect(ivs.size).toBe(1500);
  });

  it('refuses an altered value, another place (aad), or a malformed envelope', () => {
    const cipher = createFieldCipher(key());
    const sealed = cipher.seal({ n: 1 }, 'lead-1\0ssn');
    expect(() => cipher.open(sealed, 'lead-2\0ssn')).toThrow();
    const parts = sealed.split(':');
    const body = Buffer.from(parts[4], 'base64url');
    body[0] ^= 1;
    expect(() => cipher.open([...parts.slice(0, 4), body.toString('base64url')].join(':'), 'lead-1\0ssn')).toThrow();
    expect(() => cipher.open('lrenc:v1:abc', 'x')).toThrow(/malformed/);
    expect(() => cipher.open('plain', 'x')).toThrow(/not a sealed value/);
  });

  it('rotation: the previous key still opens its values, new ones use the current key', () => {
    const oldKey = key();
    const newKey = key();
    const before = createFieldCipher(oldKey).seal('123-45-6789', 'a');
    const rotated = createFieldCipher(newKey, oldKey);
    expect(rotated.open(before, 'a')).toBe('123-45-6789');
    expect(rotated.keyId).toBe(fieldKeyId(newKey));
    expect(rotated.seal('x', 'a').split(':')[2]).toBe(fieldKeyId(newKey));
    // Without the old key, the value names what is missing.
    expect(() => createFieldCipher(newKey).open(before, 'a')).toThrow(/unknown key .*FIELD_ENCRYPTION_KEY_PREVIOUS/);
  });
});

describe('decodeFieldKey', () => {
  it('takes base64 or base64url of exactly 32 bytes, nothing else', () => {
    const k = key();
    expect(decodeFieldKey(k.toString('base64'))).toEqual(k);
    expect(decodeFieldKey(` ${k.toString('base64url')} `)).toEqual(k);
    expect(decodeFieldKey(randomBytes(31).toString('base64'))).toBeNull();
    expect(decodeFieldKey(randomBytes(33).toString('base64'))).toBeNull();
    expect(decodeFieldKey(`${k.toString('base64').slice(0, 20)}!${k.toString('base64').slice(21)}`)).toBeNull();
    expect(decodeFieldKey('a'.repeat(32))).toBeNull(); // 32 characters are not 32 bytes
  });
});
