// Types shared by the console's routes and pages.
import type { Session } from './session.ts';

export type ConsoleEnv = { Variables: { session: Session; csrf: string; form: URLSearchParams } };

export interface ConsoleApp {
  /** Call one of the app's own endpoints as the admin (same checks, same answers as over HTTP). */
  internal(method: 'GET' | 'POST', path: string, body?: string): Promise<{ status: number; json: Record<string, unknown> }>;
}
