import { describe, expect, it } from 'vitest';
import { EnvError, readRouterEnv } from './env.ts';
import { parseSourceKeys } from './http/source-keys.ts';
import { keyId } from './http/auth.ts';

describe('LEAD_API_KEYS', () => {
  it('takes named and bare entries; a bare key is named by its key id', () => {
    const env = readRouterEnv({ LEAD_API_KEYS: ' vendor-a:KEY1 , KEY2,,vendor-a:KEY3' });
    expect(parseSourceKeys(env.apiKeys)).toEqual([
      { name: 'vendor-a', key: 'KEY1' },
      { name: keyId('KEY2'), key: 'KEY2' },
      { name: 'vendor-a', key: 'KEY3' },
    ]);
  });

  it('refuses a bad name, an empty key, a reserved name and one key for two sources, never showing a key', () => {
    for (const [raw, words] of [
      ['vendor a:SECRET1', /entry 1: the source name/],
      ['ok:SECRET1,vendor-b:', /entry 2: source 'vendor-b' has an empty key/],
      ['admin:SECRET1', /'admin' is reserved/],
      ['loopback:SECRET1', /'loopback' is reserved/],
      ['vendor-a:SECRET1,vendor-b:SECRET1', /entry 2: the same key is given to sources 'vendor-a' and 'vendor-b'/],
    ] as const) {
      let err: unknown;
      try {
        readRouterEnv({ LEAD_API_KEYS: raw });
      } catch (e) {
        err = e;
      }
      expect(err, raw).toBeInstanceOf(EnvError);
      expect((err as Error).message).toMatch(words);
      expect((err as Error).message).not.toContain('SECRET1');
    }
  });

  it('the same key twice under one name is fine', () => {
    expect(readRouterEnv({ LEAD_API_KEYS: 'a:K,a:K' }).apiKeys).toEqual(['a:K', 'a:K']);
  });
});

describe('REDIS_CLUSTER_NODES', () => {
  it('reads host:port seeds (IPv6 in brackets); with REDIS_URL as well, or a seed without a port, it is an env error', () => {
    expect(readRouterEnv({ REDIS_CLUSTER_NODES: ' redis-0:6379 , [::1]:7000,,10.0.0.5:6380' }).redisClusterNodes).toEqual([
      { host: 'redis-0', port: 6379 }, { host: '::1', port: 7000 }, { host: '10.0.0.5', port: 6380 },
    ]);
    expect(readRouterEnv({}).redisClusterNodes).toBeUndefined();
    expect(() => readRouterEnv({ REDIS_CLUSTER_NODES: 'redis-0:6379', REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(/not both/);
    for (const bad of ['redis-0', 'redis-0:0', 'redis-0:70000', 'redis://redis-0:6379']) {
      expect(() => readRouterEnv({ REDIS_CLUSTER_NODES: bad }), bad).toThrow(EnvError);
    }
  });
});
