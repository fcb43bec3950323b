// npm run deliveries -- failed [--json]         list dead-lettered deliveries
// npm run deliveries -- retry DELIVERY_ID       re-send one (a fresh set of attempts; refused when the
//                                               lead was sold elsewhere or the partner's caps are full)
// Talks to a running router over its HTTP API (ROUTER_URL, default http://127.0.0.1:$PORT or
// :8080) with ADMIN_API_KEY, so it works the same against the embedded and the Redis router.
// Exit 0 done, 1 the router refused (unknown delivery, bad key, router down), 2 usage error.
import { pathToFileURL } from 'node:url';
import { EXIT, parseCli, UsageError } from './lib/cli.ts';
import { stdio, type Out } from './lib/load-profiles.ts';

const USAGE = 'usage: npm run deliveries -- failed [--json] | retry DELIVERY_ID   [--url ROUTER_URL]';

interface FailedDelivery {
  deliveryId: string;
  leadId?: string;
  profile?: string;
  partner?: string;
  attempts?: number;
  reason?: string;
  failedAt?: string;
  retryable?: boolean;
  notRetryableReason?: string;
}

export async function main(argv: string[], io: Out = stdio, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let command: string, id: string | undefined, base: string, json: boolean;
  try {
    const { values, positionals } = parseCli(argv, { url: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, 2);
    if (values.help) {
      io.out(USAGE);
      return EXIT.OK;
    }
    [command, id] = positionals;
    if (command !== 'failed' && command !== 'retry') throw new UsageError(command ? `unknown command '${command}'` : 'a command is required');
    if (command === 'retry' && !id) throw new UsageError('retry needs a DELIVERY_ID');
    if (command === 'failed' && id) throw new UsageError(`unexpected argument '${id}'`);
    base = (values.url ?? env.ROUTER_URL ?? `http://127.0.0.1:${env.PORT || 8080}`).replace(/\/+$/, '');
    json = values.json ?? false;
  } catch (err) {
    io.err((err as Error).message);
    io.err(USAGE);
    return EXIT.USAGE;
  }

  const headers: Record<string, string> = env.ADMIN_API_KEY ? { authorization: `Bearer ${env.ADMIN_API_KEY}` } : {};
  const path = command === 'failed' ? '/v1/deliveries/failed' : `/v1/deliveries/${encodeURIComponent(id)}/retry`;
  let res: Response;
  try {
    res = await fetch(base + path, { method: command === 'failed' ? 'GET' : 'POST', headers, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    io.err(`cannot reach the router at ${base}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
    return EXIT.FAILED;
  }
  const body = (await res.json().catch(() => ({}))) as { deliveries?: FailedDelivery[]; error?: { code: string; message: string } };
  if (!res.ok) {
    io.err(`${res.status} ${body.error?.code ?? ''}: ${body.error?.message ?? res.statusText}`);
    return EXIT.FAILED;
  }
  if (command === 'retry') {
    io.out(`${id}: queued again`);
    return EXIT.OK;
  }
  const list = body.deliveries ?? [];
  if (json) io.out(JSON.stringify(list, null, 2));
  else {
    for (const d of list) {
      const note = d.retryable === false ? `  (not retryable: ${d.notRetryableReason ?? 'see the lead'})` : '';
      io.out([d.deliveryId, d.leadId ?? '-', `${d.profile ?? '-'}/${d.partner ?? '-'}`, d.failedAt ?? '-', d.reason ?? ''].join('  ') + note);
    }
    io.out(`${list.length} dead-lettered deliver${list.length === 1 ? 'y' : 'ies'}`);
  }
  return EXIT.OK;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
