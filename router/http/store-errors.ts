import { LeadrouteError } from '../errors.ts';

/** A store or queue that fails (Redis down) is a 503 the client may retry; our own errors pass. */
export async function store<T>(what: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof LeadrouteError) throw err;
    throw new LeadrouteError('UNAVAILABLE', `${what} is not answering; retry later`, undefined, { cause: err });
  }
}
