// Real local servers for channel tests: a partner webhook endpoint (node:http) that records what
// it receives, and an SMTP server (smtp-server) that records messages and can refuse them.

import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type PartnerHandler = (req: RecordedRequest, res: ServerResponse, raw: IncomingMessage) => void;

export interface PartnerServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  requests: RecordedRequest[];
  /** How the next requests are answered (default: 200 `{"status":"accepted"}`). */
  handle(handler: PartnerHandler): void;
  close(): Promise<void>;
}

const acceptAll: PartnerHandler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"accepted"}');
};

export async function startPartner(): Promise<PartnerServer> {
  let handler = acceptAll;
  const requests: RecordedRequest[] = [];
  const server = createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => chunks.push(chunk));
    raw.on('end', () => {
      const req = { method: raw.method ?? '', url: raw.url ?? '', headers: raw.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(req);
      handler(req, res, raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    handle(next) {
      handler = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface ReceivedMail {
  from: string;
  to: string[];
  /** The raw message as the server received it. */
  raw: string;
}

export interface SmtpTestServer {
  url: string;
  messages: ReceivedMail[];
  /** Reply code to refuse a recipient with (e.g. 550, 450); undefined accepts it. */
  refuseRecipient: (address: string) => number | undefined;
  /** Reply code to refuse the message after DATA with (e.g. 554, 451); undefined accepts it. */
  refuseData: () => number | undefined;
  close(): Promise<void>;
}

export async function startSmtp(): Promise<SmtpTestServer> {
  const state: SmtpTestServer = {
    url: '',
    messages: [],
    refuseRecipient: () => undefined,
    refuseData: () => undefined,
    close: async () => {},
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 1000,
    onRcptTo(address, _session, callback) {
      const code = state.refuseRecipient(address.address);
      if (code === undefined) return callback();
      callback(Object.assign(new Error(`mailbox ${address.address} refused`), { responseCode: code }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const code = state.refuseData();
        if (code !== undefined) return callback(Object.assign(new Error('message refused'), { responseCode: code }));
        state.messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  state.url = `smtp://127.0.0.1:${port}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

/** A local port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
