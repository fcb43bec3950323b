// The webhook channel: one HTTP request per attempt through one shared undici Agent, classified
// as accepted, rejected (no retry) or retryable. Never throws. Error texts name what went wrong
// without URLs, header values or lead data.

import { STATUS_CODES } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Agent, request, type Dispatcher } from 'undici';
import { parseDuration, TIMEOUT_UNITS } from '../../config/duration.ts';
import type { Delivery, WebhookDelivery } from '../../config/types.ts';
import type { AttemptResult, Channel, DeliveryJob } from '../types.ts';
import { getPath } from '../template.ts';
import { createEnvResolver, missingEnvError } from './env-cache.ts';
import { parseRetryAfter } from './retry-after.ts';
import { decodeSigningSecret, signWebhook } from './signing.ts';
import { encodeWebhookBody, webhookPayload } from './webhook-body.ts';

const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
const USER_AGENT = 'leadroute/0.1';

/** Headers the channel owns: a partner's configured headers cannot set them. */
const RESERVED_HEADERS = new Set([
  'idempotency-key', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-lead-test',
  'content-length', 'transfer-encoding', 'connection', 'host', 'keep-alive', 'upgrade',
]);

export interface WebhookChannelOptions {
  /** The shared Agent; when given, the caller owns it (close() leaves it open). */
  agent?: Agent;
  /** Response bytes read at most (default 64 KiB); the rest is dropped with the connection. */
  maxResponseBytes?: number;
  /** Clock for `webhook-timestamp` and Retry-After dates. */
  now?: () => Date;
  /** Where `${NAME}` references still left in the settings are resolved (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** One Agent for every partner: keep-alive, at most `connections` sockets per origin (as many as deliveries run at once). */
export function createWebhookAgent(opts: { connections?: number } = {}): Agent {
  return new Agent({
    connections: opts.connections ?? 128,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    connect: { timeout: DEFAULT_WEBHOOK_TIMEOUT_MS },
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
}

export function createWebhookChannel(opts: WebhookChannelOptions = {}): Channel {
  const ownsAgent = !opts.agent;
  const agent = opts.agent ?? createWebhookAgent();
  const maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const now = opts.now ?? (() => new Date());
  const resolveEnv = createEnvResolver(opts.env ?? process.env);

  async function send(job: DeliveryJob, delivery: Delivery, _attempt: number): Promise<AttemptResult> {
    const started = performance.now();
    const finish = (result: Omit<AttemptResult, 'channel' | 'durationMs'>): AttemptResult => ({
      channel: 'webhook',
      durationMs: Math.round(performance.now() - started),
      ...result,
    });
    let timeoutMs = DEFAULT_WEBHOOK_TIMEOUT_MS;
    try {
      if (!delivery.webhook) return finish({ outcome: 'rejected', error: 'no webhook configured' });
      const { value: webhook, missing } = resolveEnv(delivery.webhook);
      if (missing.length > 0) return finish({ outcome: 'rejected', error: missingEnvError(missing) });

      const url = checkUrl(webhook);
      if (typeof url === 'string') return finish({ outcome: 'rejected', error: url });
      timeoutMs = parseDuration(webhook.timeout, TIMEOUT_UNITS) ?? DEFAULT_WEBHOOK_TIMEOUT_MS;

      const { contentType, body } = encodeWebhookBody(webhookPayload(job, webhook), webhook.format);
      const headers = buildHeaders(webhook, job, contentType);
      // Partners deduplicate on webhook-id (stable across retries), signed or not.
      headers['webhook-id'] = job.deliveryId;
      if (webhook.signingSecret) {
        const key = decodeSigningSecret(webhook.signingSecret);
        if (!key) return finish({ outcome: 'rejected', error: 'signingSecret is not a whsec_<base64> secret' });
        const timestamp = Math.floor(now().getTime() / 1000);
        headers['webhook-timestamp'] = String(timestamp);
        headers['webhook-signature'] = signWebhook(key, job.deliveryId, timestamp, body);
      }

      const signal = AbortSignal.timeout(timeoutMs);
      const response = await request(url, {
        dispatcher: agent,
        method: webhook.method ?? 'POST',
        headers,
        body,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      return finish(await classifyResponse(response, webhook, { maxResponseBytes, now, signal }));
    } catch (err) {
      return finish(classifyError(err, timeoutMs));
    }
  }

  return {
    send,
    async close() {
      if (ownsAgent) await agent.close();
    },
  };
}

/** The URL to call, or why it may not be called. */
function checkUrl(webhook: WebhookDelivery): URL | string {
  let url: URL;
  try {
    url = new URL(webhook.url);
  } catch {
    return 'webhook url is not a valid URL';
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol !== 'http:') return `webhook url scheme ${url.protocol} is not http(s)`;
  if (isLoopback(url.hostname) || webhook.insecure) return url;
  return 'plain http to a non-loopback host needs insecure: true';
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function buildHeaders(webhook: WebhookDelivery, job: DeliveryJob, contentType: string): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': contentType, 'user-agent': USER_AGENT };
  for (const [name, value] of Object.entries(webhook.headers ?? {})) {
    const key = name.toLowerCase();
    if (!RESERVED_HEADERS.has(key)) headers[key] = value;
  }
  headers['idempotency-key'] = job.deliveryId;
  if (job.test) headers['x-lead-test'] = 'true';
  return headers;
}

type Classified = Omit<AttemptResult, 'channel' | 'durationMs'>;

async function classifyResponse(
  response: Dispatcher.ResponseData,
  webhook: WebhookDelivery,
  ctx: { maxResponseBytes: number; now: () => Date; signal: AbortSignal },
): Promise<Classified> {
  const statusCode = response.statusCode;
  const status = `HTTP ${statusCode}${STATUS_CODES[statusCode] ? ` ${STATUS_CODES[statusCode]}` : ''}`;

  if (statusCode >= 200 && statusCode < 300 && webhook.accept) {
    const { text, truncated } = await readLimited(response.body, ctx.maxResponseBytes);
    if (truncated) {
      return { outcome: 'rejected', statusCode, error: `${status}: response body over ${ctx.maxResponseBytes} bytes, accept rule not checked` };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { outcome: 'rejected', statusCode, error: `${status}: response body is not JSON, accept rule not checked` };
    }
    if (getPath(parsed, webhook.accept.field) !== webhook.accept.equals) {
      return { outcome: 'rejected', statusCode, error: `${status}: body says rejected (${webhook.accept.field} is not ${JSON.stringify(webhook.accept.equals)})` };
    }
    return { outcome: 'accepted', statusCode };
  }

  // The status decides; drain what is left (bounded) so the connection can be reused.
  response.body.dump({ limit: ctx.maxResponseBytes }).catch(() => {});
  if (statusCode >= 200 && statusCode < 300) return { outcome: 'accepted', statusCode };
  if (statusCode >= 300 && statusCode < 400) {
    return { outcome: 'rejected', statusCode, error: `${status}: redirect not followed` };
  }
  if (statusCode === 408 || statusCode === 429 || statusCode >= 500) {
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'], ctx.now());
    return { outcome: 'retryable', statusCode, error: status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  if (statusCode >= 400) return { outcome: 'rejected', statusCode, error: status };
  return { outcome: 'retryable', statusCode, error: `${status}: unexpected status` };
}

/** Reads at most `limit` bytes; past that, stops and destroys the stream (and its connection). */
async function readLimited(body: Dispatcher.ResponseData['body'], limit: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (size + chunk.length > limit) {
      chunks.push(chunk.subarray(0, limit - size));
      truncated = true;
      break; // leaving the loop destroys the body
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}

const ERROR_TEXT: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout waiting for response headers',
  UND_ERR_BODY_TIMEOUT: 'timeout reading response body',
  UND_ERR_SOCKET: 'connection closed by the partner',
  UND_ERR_CLOSED: 'connection closed',
  UND_ERR_DESTROYED: 'connection destroyed',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection broken',
};

function classifyError(err: unknown, timeoutMs: number): Classified {
  const e = err as { name?: string; code?: string; errors?: { code?: string }[]; cause?: { code?: string } } | undefined;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return { outcome: 'retryable', error: `timeout after ${timeoutMs}ms` };
  }
  const code = e?.code ?? e?.errors?.[0]?.code ?? e?.cause?.code;
  // Our own request was malformed (e.g. a header value with a newline): retrying cannot help.
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED' || code === 'ERR_INVALID_ARG_TYPE' || code === 'ERR_INVALID_CHAR') {
    return { outcome: 'rejected', error: `invalid request (${code})` };
  }
  if (code && ERROR_TEXT[code]) return { outcome: 'retryable', error: `${ERROR_TEXT[code]} (${code})` };
  if (code && /CERT|TLS|SSL/.test(code)) return { outcome: 'retryable', error: `TLS error (${code})` };
  return { outcome: 'retryable', error: `request failed (${code ?? e?.name ?? 'unknown error'})` };
}
