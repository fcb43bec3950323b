// Every environment variable the router reads: the one list that the environment reader, the
// profile checks (a profile may never reference the router's own settings) and the generated
// docs table all use. Add a variable here when the router starts reading it.

export interface RouterEnvVar {
  name: string;
  /** The default, as a reader of the docs should see it; absent: unset means off. */
  default?: string;
  description: string;
}

export const ROUTER_ENV_VARS: readonly RouterEnvVar[] = [
  { name: 'PORT', default: '8080', description: 'The port the router listens on (0: any free port).' },
  { name: 'HOST', description: 'The interface the router listens on; unset: every interface.' },
  { name: 'PROFILES_DIR', default: './profiles', description: 'The profiles directory (read recursively, hot-reloaded).' },
  { name: 'REDIS_URL', description: 'Redis for caps, lead records, idempotency and the durable delivery queue; unset: embedded in-memory stores, one process.' },
  { name: 'REDIS_CLUSTER_NODES', description: 'Redis Cluster seed nodes, `host:port,host:port,…`, used instead of REDIS_URL (setting both is an error); the client finds the other nodes itself.' },
  { name: 'REDIS_PREFIX', default: 'leadroute:', description: 'Namespace of every Redis key, so several deployments can share one Redis.' },
  { name: 'REDIS_COMMAND_TIMEOUT_MS', default: '1000', description: 'A Redis command with no answer fails after this long, so a hung Redis is a fast 503.' },
  { name: 'SMTP_URL', description: 'SMTP server for email deliveries (smtp:// or smtps://); unset: emails are written to OUTBOX_DIR.' },
  { name: 'SMTP_FROM', description: 'Sender of partner emails, e.g. `Leads <leads@example.com>`.' },
  { name: 'OUTBOX_DIR', default: './outbox', description: 'Where emails go as .eml files when SMTP_URL is unset.' },
  { name: 'LEAD_API_KEYS', description: 'Comma-separated keys for lead sources, each `name:key` or a bare key (named by its key id); a lead is readable only by its source and the admin. Unset: no authentication, loopback clients only.' },
  { name: 'ADMIN_API_KEY', description: 'Key for the admin endpoints (dead letters); also accepted where a source key is.' },
  { name: 'METRICS_API_KEY', description: 'Bearer key for /metrics (only this key opens it); unset: /metrics is open.' },
  { name: 'LEAD_RETENTION_DAYS', default: '30', description: 'How long lead records are kept.' },
  { name: 'LEAD_BODY_LIMIT', default: '65536', description: 'Largest accepted request body in bytes (larger: 413).' },
  { name: 'DEDUPE_KEY', description: 'Key of the HMAC-SHA256 hashes that duplicate checks (`dedupe`, `duplicates`) keep instead of values; required on Redis when a profile uses them, the same on every router. Unset embedded: a key made at start.' },
  { name: 'FIELD_ENCRYPTION_KEY', description: 'Base64 of 32 bytes (`openssl rand -base64 32`): with Redis, encrypted lead fields are stored AES-256-GCM encrypted under it, and a tree with encrypted fields does not start without it. Unused embedded (fields stay in memory).' },
  { name: 'FIELD_ENCRYPTION_KEY_PREVIOUS', description: 'The key before a rotation (base64 of 32 bytes): values sealed under it are still decrypted; new ones use FIELD_ENCRYPTION_KEY.' },
  { name: 'PING_TTL_SECONDS', default: '120', description: 'How long the quote of an inbound ping (`POST /v1/pings/{entity}`) holds: the lead must be posted with its pingId within it.' },
  { name: 'LOG_LEVEL', default: 'info', description: 'pino log level: fatal, error, warn, info, debug, trace.' },
];

const NAMES = new Set(ROUTER_ENV_VARS.map((v) => v.name));
/** The router's keys, by name, whether or not the list above holds them. */
const KEYS = new Set(['LEAD_API_KEYS', 'ADMIN_API_KEY', 'METRICS_API_KEY', 'DEDUPE_KEY']);
/** Whole families: Redis and SMTP connection settings (passwords inside), the field encryption keys. */
const FAMILIES = /^(?:REDIS_|SMTP_|FIELD_ENCRYPTION_KEY(?:_|$))/;

/**
 * Whether the router itself reads `name` (such a variable is never profile material: a
 * `${NAME}` in a profile would send it to a partner). Exact names, not word prefixes, so a
 * partner's `LEAD_PARTNER_TOKEN` or `ADMIN_PORTAL_TOKEN` stays usable.
 */
export function isRouterSetting(name: string): boolean {
  return NAMES.has(name) || KEYS.has(name) || FAMILIES.test(name);
}
