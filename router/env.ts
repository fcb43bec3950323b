// The router's environment (the variables are listed in env-vars.ts), read and checked in one place.

import { decodeFieldKey, FIELD_KEY_BYTES } from './field-crypto.ts';

import { parseSourceKeys } from './http/source-keys.ts';

export interface RouterEnv {
  port: number;
  /** Unset: every interface. */
  host?: string;
  profilesDir: string;
  redisUrl?: string;
  /** Redis Cluster seed nodes (REDIS_CLUSTER_NODES), used instead of redisUrl. */
  redisClusterNodes?: RedisNode[];
  /** Namespace of every Redis key (caps, leads, queue, idempotency); default `leadroute:`. */
  redisPrefix: string;
  smtpUrl?: string;
  /** Sender of partner emails (SMTP_FROM), e.g. `Leads <leads@example.com>`. */
  smtpFrom?: string;
  /** LEAD_API_KEYS entries, checked: `name:key` or a bare key (router/http/source-keys.ts). */
  apiKeys: string[];
  adminKey?: string;
  /** Bearer key for /metrics (METRICS_API_KEY); unset: /metrics is open. */
  metricsKey?: string;
  leadRetentionDays: number;
  outboxDir: string;
  logLevel: string;
  /** Largest accepted request body in bytes (default 64 KiB). */
  bodyLimit: number;
  /** How long an inbound ping's quote holds, in ms (PING_TTL_SECONDS). */
  pingTtlMs: number;
  /** A Redis command that gets no answer fails after this long (default 1000 ms). */
  redisCommandTimeoutMs: number;
  /** FIELD_ENCRYPTION_KEY: seals encrypted lead fields kept in Redis (32 bytes). */
  fieldEncryptionKey?: Buffer;
  /** FIELD_ENCRYPTION_KEY_PREVIOUS: the key before a rotation; still opens what it sealed. */
  fieldEncryptionKeyPrevious?: Buffer;
}

export interface RedisNode {
  host: string;
  port: number;
}

export class EnvError extends Error {
  override name = 'EnvError';
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > max) throw new EnvError(`${name} must be a whole number from 1 to ${max}, got "${raw}"`);
  return n;
}

function fieldKey(env: NodeJS.ProcessEnv, name: string): Buffer | undefined {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return undefined;
  const key = decodeFieldKey(raw);
  // The message never repeats the value: it is a secret.
  if (!key) throw new EnvError(`${name} must be the base64 of exactly ${FIELD_KEY_BYTES} bytes (e.g. openssl rand -base64 ${FIELD_KEY_BYTES})`);
  return key;
}

const nonEmpty = (v: string | undefined) => (v && v.trim() ? v.trim() : undefined);

function sourceKeys(env: NodeJS.ProcessEnv): string[] {
  const entries = (env.LEAD_API_KEYS ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  try {
    parseSourceKeys(entries);
  } catch (err) {
    throw new EnvError(err instanceof Error ? err.message : String(err));
  }
  return entries;
}

/** `host:port,host:port,…` (IPv6 hosts in brackets: `[::1]:7000`). */
function clusterNodes(raw: string | undefined): RedisNode[] | undefined {
  if (raw === undefined) return undefined;
  return raw.split(',').map((s) => s.trim()).filter(Boolean).map((item) => {
    const m = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(item);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) throw new EnvError(`REDIS_CLUSTER_NODES must be host:port pairs separated by commas, got "${item}"`);
    return { host: m[1].replace(/^\[|\]$/g, ''), port };
  });
}

export function readRouterEnv(env: NodeJS.ProcessEnv): RouterEnv {
  const redisUrl = nonEmpty(env.REDIS_URL);
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new EnvError('REDIS_URL must start with redis:// or rediss://');
  const redisClusterNodes = clusterNodes(nonEmpty(env.REDIS_CLUSTER_NODES));
  if (redisUrl && redisClusterNodes) throw new EnvError('set REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (Redis Cluster), not both');
  return {
    port: env.PORT?.trim() === '0' ? 0 : positiveInt(env, 'PORT', 8080, 65535),
    host: nonEmpty(env.HOST),
    profilesDir: nonEmpty(env.PROFILES_DIR) ?? './profiles',
    redisUrl,
    redisClusterNodes,
    redisPrefix: env.REDIS_PREFIX ?? 'leadroute:',
    smtpUrl: nonEmpty(env.SMTP_URL),
    smtpFrom: nonEmpty(env.SMTP_FROM),
    apiKeys: sourceKeys(env),
    adminKey: nonEmpty(env.ADMIN_API_KEY),
    metricsKey: nonEmpty(env.METRICS_API_KEY),
    leadRetentionDays: positiveInt(env, 'LEAD_RETENTION_DAYS', 30),
    outboxDir: nonEmpty(env.OUTBOX_DIR) ?? './outbox',
    logLevel: nonEmpty(env.LOG_LEVEL) ?? 'info',
    bodyLimit: positiveInt(env, 'LEAD_BODY_LIMIT', 64 * 1024),
    pingTtlMs: positiveInt(env, 'PING_TTL_SECONDS', 120) * 1000,
    redisCommandTimeoutMs: positiveInt(env, 'REDIS_COMMAND_TIMEOUT_MS', 1000, 60_000),
    fieldEncryptionKey: fieldKey(env, 'FIELD_ENCRYPTION_KEY'),
    fieldEncryptionKeyPrevious: fieldKey(env, 'FIELD_ENCRYPTION_KEY_PREVIOUS'),
  };
}
