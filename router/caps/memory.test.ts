import { describe, expect, it } from 'vitest';
import { capStoreContract } from './contract.ts';
import { createMemoryCapStore } from './memory.ts';

capStoreContract('memory', async () => {
  let clock = Date.UTC(2026, 2, 8, 12);
  const store = createMemoryCapStore({ now: () => clock });
  return {
    store,
    now: () => clock,
    advance: async (ms) => {
      clock += ms;
    },
    cleanup: () => store.close(),
  };
});

describe('memory cap store', () => {
  it('keeps a reservation until its longest window ends, then forgets it', async () => {
    let clock = 0;
    const store = createMemoryCapStore({ now: () => clock });
    const short = { key: 'cap:{acme}:partner:hour:x', limit: 5, expireAt: 1000, label: 'partner acme hour' };
    const long = { key: 'cap:{acme}:partner:day:x', limit: 5, expireAt: 5000, label: 'partner acme day' };
    await store.reserve('r1', [short, long]);
    await store.reserve('r2', [short, long]);
    clock = 2000;
    expect(await store.release('r1', 'acme')).toBe(true);
    expect(await store.peek([short.key, long.key])).toEqual([0, 1]);
    clock = 5000;
    expect(await store.release('r2', 'acme')).toBe(false);
  });

  it('turn counters restart after 30 idle days', async () => {
    let clock = 0;
    const store = createMemoryCapStore({ now: () => clock });
    expect(await store.nextTurn('k')).toBe(0);
    expect(await store.nextTurn('k')).toBe(1);
    clock += 30 * 86_400_000;
    expect(await store.nextTurn('k')).toBe(0);
  });
});
