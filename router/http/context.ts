import type { Principal } from './auth.ts';

/** What the app's middleware puts on a request's context: who asked, and its JSON body. */
export type Env = { Variables: { principal: Principal; body: Record<string, unknown> } };
