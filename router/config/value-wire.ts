// How the config loader thread sends document values to a thread that holds earlier ones
// (load-thread-entry.ts sends with a ValueSender per receiver, take-in.ts takes in with a
// ValueHolder). Every object a receiver holds has a number, the same on both sides: each document
// value, and the objects one and two levels inside it (a profile's `rules` and `partners` lists,
// each assignment, each rule). A new value is sent serialised (v8.serialize) with the objects the
// receiver already holds left out and named by number instead; the loader keeps what did not
// change in an edited file as the same objects (share.ts), so a profile whose description changed
// costs its top level, not its whole tree, and the receiver gets back the very objects (and the
// compiled rules) it had.

import { deserialize, serialize } from 'node:v8';
import { deepFreeze } from './freeze.ts';
import type { SourceDoc } from './types.ts';

/** How deep inside a document value objects get numbers of their own (1: the value's own fields). */
const PART_DEPTH = 2;

/**
 * The parts of a sent value, four entries each: the keys of the part (the second is null for a
 * part one level down), its number, and 1 when the receiver already holds it (it is left out of the
 * serialised value, as null) or 0 when it is sent inside the value.
 */
type Parts = (string | number | null)[];

interface SentValue {
  bytes: Uint8Array;
  /** Every object inside the value that has a number, with it: what the receiver now holds for it. */
  parts: [object, number][];
}

/**
 * `value` for a receiver that holds the objects `known` numbers; `number` gives a new object its
 * number (and should make `known` find it from then on).
 */
function packValue(value: object, known: (o: object) => number | undefined, number: (o: object) => number): SentValue {
  const parts: Parts = [];
  const numbered: [object, number][] = [];
  const pack = (holder: object, keys: (string | number)[]): object => {
    let copy: Record<string | number, unknown> | undefined;
    /** `holder`'s own copy, made the first time one of its parts is left out or packed. */
    const own = () => (copy ??= (Array.isArray(holder) ? holder.slice() : { ...holder }) as Record<string | number, unknown>);
    for (const key of Array.isArray(holder) ? holder.keys() : Object.keys(holder)) {
      const part = (holder as Record<string | number, unknown>)[key];
      if (typeof part !== 'object' || part === null) continue;
      const path = [...keys, key];
      const held = known(part);
      if (held !== undefined) {
        parts.push(path[0], path[1] ?? null, held, 1);
        numbered.push([part, held]);
        // Its own parts were numbered with it, and are still held with it.
        if (path.length < PART_DEPTH) {
          for (const inner of Object.values(part)) {
            const n = typeof inner === 'object' && inner !== null ? known(inner as object) : undefined;
            if (n !== undefined) numbered.push([inner as object, n]);
          }
        }
        own()[key] = null;
        continue;
      }
      const n = number(part);
      parts.push(path[0], path[1] ?? null, n, 0);
      numbered.push([part, n]);
      if (path.length < PART_DEPTH) {
        const inner = pack(part, path);
        if (inner !== part) own()[key] = inner;
      }
    }
    return copy ?? holder;
  };
  const wire = pack(value, []);
  return { bytes: serialize([wire, parts]), parts: numbered };
}

/**
 * A value packValue sent, whole again: `held` gives the objects the receiver holds by number,
 * `keep` is told each object sent inside it with its number (the value's own number is the caller's).
 */
function unpackValue(bytes: Uint8Array, held: (n: number) => unknown, keep: (n: number, o: object) => void): unknown {
  const [value, parts] = deserialize(bytes) as [Record<string | number, unknown>, Parts];
  const at = (i: number) => {
    const outer = value[parts[i]!];
    return parts[i + 1] === null ? outer : (outer as Record<string | number, unknown>)[parts[i + 1]!];
  };
  // The parts sent inside the value first: a part left out may be one of them (YAML aliases).
  for (let i = 0; i < parts.length; i += 4) if (parts[i + 3] === 0) keep(parts[i + 2] as number, at(i) as object);
  for (let i = 0; i < parts.length; i += 4) {
    if (parts[i + 3] !== 1) continue;
    const n = parts[i + 2] as number;
    const part = held(n);
    if (part === undefined) throw new Error(`the config loader thread named a value it never sent (${n})`);
    const holder = parts[i + 1] === null ? value : (value[parts[i]!] as Record<string | number, unknown>);
    holder[parts[i + 1] ?? parts[i]!] = part;
  }
  return value;
}

/** A document of what was sent: its kind and the number of its value. */
export type WireDoc = [kind: Exclude<SourceDoc['kind'], 'RoutingTest'>, value: number];

export interface Sent {
  docs: WireDoc[];
  /** The values the receiver does not hold yet, packed. */
  values: [number, Uint8Array][];
  /** Numbers the receiver held that no document uses any more: it lets them go. */
  dropped: number[];
}

export interface ValueSender {
  /** What to send for these documents, to a receiver that took in everything sent before. */
  send(docs: readonly { kind: WireDoc[0]; value: unknown }[]): Sent;
  /** How many objects the receiver holds. */
  readonly size: number;
}

/** Numbers are unique across every sender of a thread: a number names one object, whoever asks. */
let lastNumber = 0;

/**
 * The sending side, for one receiver. It knows each object the receiver holds, with its number and
 * how many documents hold it, and each document value of the last send with the objects it holds
 * (itself included): a send costs what changed, not the whole tree.
 */
export function createValueSender(): ValueSender {
  const held = new Map<object, { n: number; docs: number }>();
  let byDoc = new Map<object, [object, number][]>();
  const known = (o: object) => held.get(o)?.n;
  const number = (o: object) => {
    const n = ++lastNumber;
    held.set(o, { n, docs: 0 });
    return n;
  };
  return {
    get size() {
      return held.size;
    },
    send(docs) {
      const current = new Map<object, [object, number][]>();
      const wire: WireDoc[] = [];
      const values: [number, Uint8Array][] = [];
      for (const doc of docs) {
        const value = doc.value as object;
        let holds = byDoc.get(value) ?? current.get(value);
        if (holds === undefined) {
          const n = number(value);
          const sent = packValue(value, known, number);
          values.push([n, sent.bytes]);
          holds = [[value, n], ...sent.parts];
          for (const [o] of holds) held.get(o)!.docs++;
        }
        current.set(value, holds);
        wire.push([doc.kind, holds[0][1]]);
      }
      // What only documents gone held is let go of, here and by the receiver.
      const dropped: number[] = [];
      for (const [value, holds] of byDoc) {
        if (current.has(value)) continue;
        for (const [o] of holds) {
          const h = held.get(o)!;
          if (--h.docs === 0) {
            held.delete(o);
            dropped.push(h.n);
          }
        }
      }
      byDoc = current;
      return { docs: wire, values, dropped };
    },
  };
}

export interface ValueHolder {
  /** Takes in one sent value (frozen, with what it shares), under its number. */
  add(n: number, bytes: Uint8Array): void;
  /** A value or part held, by number. */
  get(n: number): unknown;
  drop(numbers: readonly number[]): void;
  readonly size: number;
}

/** The receiving side: what it was sent, by number, less what it was told to let go of. */
export function createValueHolder(): ValueHolder {
  const values = new Map<number, unknown>();
  const keep = (n: number, o: object) => values.set(n, o);
  const held = (n: number) => values.get(n);
  return {
    get size() {
      return values.size;
    },
    add(n, bytes) {
      values.set(n, deepFreeze(unpackValue(bytes, held, keep)));
    },
    get: held,
    drop(numbers) {
      for (const n of numbers) values.delete(n);
    },
  };
}
