// At most `n` calls running at once; the rest wait their turn, first come first served. The BullMQ
// queue runs every delivery through one, so a batch of 100 deliveries does not open 100 requests.

export type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

export function createLimiter(n: number): Limiter {
  const max = Math.max(1, Math.floor(n));
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next in line, so `running` counts it throughout.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
