// A real partner endpoint for tests: a node:http server whose answer to each request is scripted.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PartnerRequest {
  /** First path segment: one server plays several partners (`/acme`, `/northwind`). */
  partner: string;
  webhookId: string;
  body: Record<string, unknown>;
}

export type PartnerAnswer = { status: number; headers?: Record<string, string>; body?: string } | 'hold';

export interface PartnerServer {
  url: string;
  requests: PartnerRequest[];
  /** Resolves with the first request that satisfies `match` (already received or to come). */
  received(match?: (r: PartnerRequest) => boolean): Promise<PartnerRequest>;
  close(): Promise<void>;
}

export async function startPartnerServer(
  answer: (req: PartnerRequest, nth: number) => PartnerAnswer = () => ({ status: 200 }),
): Promise<PartnerServer> {
  const requests: PartnerRequest[] = [];
  const waiters: { match: (r: PartnerRequest) => boolean; resolve: (r: PartnerRequest) => void }[] = [];
  const held = new Set<ServerResponse>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: PartnerRequest = {
        partner: (req.url ?? '/').split('/')[1] ?? '',
        webhookId: String(req.headers['webhook-id'] ?? ''),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'),
      };
      requests.push(r);
      const a = answer(r, requests.filter((x) => x.partner === r.partner).length);
      for (const w of [...waiters]) {
        if (w.match(r)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(r);
        }
      }
      if (a === 'hold') {
        held.add(res);
        return;
      }
      res.writeHead(a.status, { connection: 'close', ...a.headers }).end(a.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    received(match = () => true) {
      const seen = requests.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
