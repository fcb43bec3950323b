// The ping client: one bid request to one partner over a shared undici Agent, signed like a
// webhook when the ping has a signingSecret. Never throws: every way of not bidding is a no-bid
// with its reason (no answer in time, an HTTP status, a malformed answer, a bid of 0 or less).
// Reasons name what went wrong without URLs, header values or lead data.

import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { parseDuration, TIMEOUT_UNITS } from '../config/duration.ts';
import type { PingSettings } from '../config/types.ts';
import { createEnvResolver, missingEnvError } from '../delivery/channels/env-cache.ts';
import { decodeSigningSecret, signWebhook } from '../delivery/channels/signing.ts';
import type { PartnerBid } from '../routing/auction.ts';

/** The body of a ping: the lead's ping fields only. */
export interface PingBody {
  pingId: string;
  entity: string;
  test: boolean;
  fields: Record<string, unknown>;
}

export interface PingClient {
  /** Ask one partner for a bid; resolves by `deadline` (epoch ms) at the latest. */
  ping(partner: string, settings: PingSettings, body: PingBody, deadline: number): Promise<PartnerBid>;
  close(): Promise<void>;
}

export interface PingClientOptions {
  /** The caller's Agent (left open on close); default: one of its own. */
  agent?: Agent;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

const MAX_ANSWER_BYTES = 16 * 1024;
const USER_AGENT = 'leadroute/0.1';
const RESERVED = new Set(['webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-type', 'content-length', 'host', 'connection', 'x-lead-test']);

/** Pings are many, short and latency-bound: keep-alive, plenty of sockets per bidder. */
function createPingAgent(): Agent {
  return new Agent({ connections: 256, keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connect: { timeout: 2_000 } });
}

export function createPingClient(opts: PingClientOptions = {}): PingClient {
  const ownsAgent = !opts.agent;
  const agent = opts.agent ?? createPingAgent();
  const resolveEnv = createEnvResolver(opts.env ?? process.env);
  const now = opts.now ?? (() => new Date());

  async function ask(settings: PingSettings, body: PingBody, timeoutMs: number, signal: AbortSignal): Promise<Omit<PartnerBid, 'partner' | 'latencyMs'>> {
    const { value: ping, missing } = resolveEnv(settings);
    if (missing.length) return { noBid: `not pinged: ${missingEnvError(missing)}` };
    const url = checkUrl(ping);
    if (typeof url === 'string') return { noBid: `not pinged: ${url}` };
    const text = JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': USER_AGENT };
    for (const [name, value] of Object.entries(ping.headers ?? {})) if (!RESERVED.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
    if (body.test) headers['x-lead-test'] = 'true';
    headers['webhook-id'] = body.pingId;
    if (ping.signingSecret) {
      const key = decodeSigningSecret(ping.signingSecret);
      if (!key) return { noBid: 'not pinged: signingSecret is not a whsec_<base64> secret' };
      const ts = Math.floor(now().getTime() / 1000);
      headers['webhook-timestamp'] = String(ts);
      headers['webhook-signature'] = signWebhook(key, body.pingId, ts, text);
    }
    try {
      const res = await request(url, {
        dispatcher: agent, method: 'POST', headers, body: text, signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
      });
      if (res.statusCode < 200 || res.statusCode >= 300) {
        res.body.dump({ limit: MAX_ANSWER_BYTES }).catch(() => {});
        return { noBid: `HTTP ${res.statusCode}` };
      }
      const answer = await readLimited(res.body);
      if (answer === null) return { noBid: `malformed answer: over ${MAX_ANSWER_BYTES} bytes` };
      return parseBid(answer);
    } catch (err) {
      const e = err as { name?: string; code?: string; cause?: { code?: string } };
      if (signal.aborted || e?.name === 'AbortError' || e?.name === 'TimeoutError' || e?.code === 'UND_ERR_HEADERS_TIMEOUT' || e?.code === 'UND_ERR_BODY_TIMEOUT') {
        return { noBid: `no answer within ${timeoutMs}ms` };
      }
      const code = e?.code ?? e?.cause?.code;
      return { noBid: `request failed (${code ?? e?.name ?? 'unknown error'})` };
    }
  }

  return {
    async ping(partner, settings, body, deadline) {
      const started = performance.now();
      const own = parseDuration(settings.timeout, TIMEOUT_UNITS) ?? Infinity;
      const timeoutMs = Math.max(1, Math.min(own, deadline - Date.now()));
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      // The deadline holds even if the request ignores its abort: the auction never waits longer.
      const late = new Promise<Omit<PartnerBid, 'partner' | 'latencyMs'>>((resolve) => {
        timer = setTimeout(() => {
          controller.abort();
          resolve({ noBid: `no answer within ${timeoutMs}ms` });
        }, timeoutMs);
      });
      try {
        const result = await Promise.race([ask(settings, body, timeoutMs, controller.signal), late]);
        return { partner, ...result, latencyMs: Math.round(performance.now() - started) };
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (ownsAgent) await agent.close();
    },
  };
}

/** `{ "bid": 12.5, "bidId": "…" }`; anything else is malformed; a bid of 0 or less declines. */
export function parseBid(text: string): Omit<PartnerBid, 'partner' | 'latencyMs'> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { noBid: 'malformed answer: not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { noBid: 'malformed answer: not a JSON object' };
  const { bid, bidId } = parsed as { bid?: unknown; bidId?: unknown };
  if (typeof bid !== 'number' || !Number.isFinite(bid)) return { noBid: 'malformed answer: bid is not a number' };
  if (bidId !== undefined && typeof bidId !== 'string' && typeof bidId !== 'number') return { noBid: 'malformed answer: bidId is not a string' };
  if (bid <= 0) return { noBid: `declined (bid ${bid})` };
  return bidId === undefined ? { bid } : { bid, bidId: String(bidId).slice(0, 200) };
}

function checkUrl(ping: PingSettings): URL | string {
  let url: URL;
  try {
    url = new URL(ping.url);
  } catch {
    return 'ping url is not a valid URL';
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol !== 'http:') return `ping url scheme ${url.protocol} is not http(s)`;
  const h = url.hostname;
  if (h === 'localhost' || h.endsWith('.localhost') || h === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(h) || ping.insecure) return url;
  return 'plain http to a non-loopback host needs insecure: true';
}

async function readLimited(body: AsyncIterable<Buffer>): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
