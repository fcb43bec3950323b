// Weighted turns among partners of equal priority (first-match). Every router draws the next turn
// number from one shared counter (CapStore.nextTurn); turn n picks member seq[n mod Σw] of the
// smooth weighted round-robin sequence of the group's weights, so over N leads each member gets
// N·w/Σw of them, give or take one, interleaved (3:1 is a a b a, not a a a b). Equal weights give
// plain round-robin. The members after the pick, in sequence order, are the fallbacks when the
// pick's caps are full.

const sequences = new Map<string, readonly number[]>();

/** Smooth weighted round-robin (as in nginx): one period, Σw picks, member indexes. */
export function weightedSequence(weights: readonly number[]): readonly number[] {
  const key = weights.join(',');
  const hit = sequences.get(key);
  if (hit) return hit;
  const total = weights.reduce((a, b) => a + b, 0);
  const current = weights.map(() => 0);
  const seq: number[] = [];
  for (let n = 0; n < total; n++) {
    let best = 0;
    for (let i = 0; i < weights.length; i++) {
      current[i] += weights[i];
      if (current[i] > current[best]) best = i;
    }
    current[best] -= total;
    seq.push(best);
  }
  if (sequences.size >= 1000) sequences.clear();
  sequences.set(key, seq);
  return seq;
}

/** The group in the order turn `turn` tries it: the pick first, then the others as they next come up. */
export function weightedOrder<T>(group: readonly T[], weights: readonly number[], turn: number): T[] {
  const n = group.length;
  if (n < 2) return [...group];
  if (weights.every((w) => w === weights[0])) {
    const k = ((turn % n) + n) % n;
    return [...group.slice(k), ...group.slice(0, k)];
  }
  const seq = weightedSequence(weights);
  const start = ((turn % seq.length) + seq.length) % seq.length;
  const order: T[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < seq.length && seen.size < n; i++) {
    const m = seq[(start + i) % seq.length];
    if (!seen.has(m)) {
      seen.add(m);
      order.push(group[m]);
    }
  }
  return order;
}
