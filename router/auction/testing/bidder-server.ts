// Real bidders for tests: a node:http server on 127.0.0.1 whose path names the partner
// (`/acme`), each answering its pings as scripted: a bid, a status, garbage, or never (hold).
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type BidderAnswer =
  | { bid: unknown; bidId?: string; delayMs?: number }
  | { status: number; body?: string }
  | { raw: string }
  | 'hold';

export interface Ping {
  partner: string;
  headers: IncomingHttpHeaders;
  text: string;
  body: { pingId: string; entity: string; test: boolean; fields: Record<string, unknown> };
}

export interface BidderServer {
  url: string;
  pings: Ping[];
  close(): Promise<void>;
}

export async function startBidders(answers: Record<string, BidderAnswer | ((p: Ping) => BidderAnswer)>): Promise<BidderServer> {
  const pings: Ping[] = [];
  const held = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const partner = (req.url ?? '/').split('/')[1] ?? '';
      const ping: Ping = { partner, headers: req.headers, text, body: JSON.parse(text || '{}') };
      pings.push(ping);
      const scripted = answers[partner];
      const a = typeof scripted === 'function' ? scripted(ping) : scripted ?? { status: 404 };
      if (a === 'hold') {
        held.add(res);
        return;
      }
      const send = () => {
        if ('raw' in a) res.writeHead(200, { 'content-type': 'application/json' }).end(a.raw);
        else if ('status' in a) res.writeHead(a.status).end(a.body ?? '');
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ bid: a.bid, ...(a.bidId ? { bidId: a.bidId } : {}) }));
      };
      if ('delayMs' in a && a.delayMs) {
        held.add(res);
        setTimeout(() => {
          held.delete(res);
          if (!res.destroyed) send();
        }, a.delayMs);
      } else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    pings,
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
