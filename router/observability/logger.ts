// JSON logs (pino). Secrets are redacted by path; encrypted lead fields are removed before a lead
// is ever handed to the logger (stripEncrypted), since their paths differ per entity.

import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger };

/** Paths pino censors wherever they appear in a log object. */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers.Authorization',
  'headers["x-api-key"]',
  '*.authorization',
  '*.Authorization',
  'apiKey',
  'adminKey',
  '*.apiKey',
  '*.adminKey',
  'secret',
  '*.secret',
  'signingSecret',
  '*.signingSecret',
  '*.*.signingSecret',
  'password',
  '*.password',
  'smtpUrl',
  'redisUrl',
  '*.smtpUrl',
  '*.redisUrl',
];

export interface LoggerConfig {
  level?: string;
  /** Where lines go (default stdout); tests pass a stream to read them. */
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

export function createLogger(cfg: LoggerConfig = {}): Logger {
  const options: LoggerOptions = {
    level: cfg.level ?? 'info',
    base: cfg.base ?? { service: 'leadroute' },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  const destination = cfg.destination ?? (process.stdout.isTTY ? prettyDestination() : stdoutDestination());
  const logger = pino(options, destination);
  // The same logger without redaction, made on first use (idsOnly()).
  const { redact: _redact, ...plain } = options;
  let idsOnlyLogger: Logger | undefined;
  idsOnlyFactories.set(logger, () => (idsOnlyLogger ??= pino({ ...plain, level: 'trace' }, destination)));
  return logger;
}

const idsOnlyFactories = new WeakMap<Logger, () => Logger>();

/**
 * For a hot-path line whose fields are ids, names and statuses only (never secrets, never lead
 * fields): `logger`'s line without running the redaction paths, which cost more than the rest of
 * the line (they copy and walk every logged object). Null when `logger` is not at `level` (the
 * caller logs nothing); `logger` itself when it was not made by createLogger.
 */
export function idsOnly(logger: Logger, level: 'info' | 'debug'): Logger | null {
  if (!logger.isLevelEnabled(level)) return null;
  return idsOnlyFactories.get(logger)?.() ?? logger;
}

/**
 * stdout, with the lines of one event-loop turn written together, synchronously, at setImmediate:
 * at a few thousand leads a second, one asynchronous write per line (pino's default) cost more
 * than making the lines. Nothing waits longer than the turn, and lines still buffered when the
 * process exits are written before it does. Like any synchronous logger, a log reader that stops
 * reading stdout stalls the process once the pipe is full.
 */
export function stdoutDestination(): DestinationStream {
  const sonic = pino.destination({ dest: 1, sync: true });
  let buffered = '';
  const flush = () => {
    const text = buffered;
    buffered = '';
    if (text) sonic.write(text);
  };
  flushOnExit(flush);
  return {
    write(line: string) {
      if (!buffered) setImmediate(flush);
      buffered += line;
    },
  };
}

/**
 * Readable lines for a person at a terminal (`npm start` in a shell): the same JSON lines, turned
 * into text by pino-pretty, written synchronously. Anything that is not a terminal gets JSON.
 */
export function prettyDestination(to: NodeJS.WritableStream | number = 1): DestinationStream {
  return PinoPretty({ destination: to, sync: true, colorize: to === 1 && process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
}

const exitFlushes = new Set<() => void>();
function flushOnExit(flush: () => void): void {
  if (exitFlushes.size === 0) {
    process.once('exit', () => {
      for (const f of exitFlushes) {
        try {
          f();
        } catch {
          /* stdout gone: nothing to do */
        }
      }
    });
  }
  exitFlushes.add(flush);
}

/**
 * A copy of `lead` without the fields at `encryptedPaths` (dotted, e.g. `applicant.ssn`), each
 * replaced by '[encrypted]' so a log still shows the field was present. Never mutates `lead`.
 */
export function stripEncrypted(lead: unknown, encryptedPaths: readonly string[]): unknown {
  if (encryptedPaths.length === 0 || typeof lead !== 'object' || lead === null || Array.isArray(lead)) return lead;
  const out: Record<string, unknown> = { ...(lead as Record<string, unknown>) };
  const nested = new Map<string, string[]>();
  for (const path of encryptedPaths) {
    const dot = path.indexOf('.');
    if (dot < 0) {
      if (Object.prototype.hasOwnProperty.call(out, path)) out[path] = '[encrypted]';
    } else {
      const head = path.slice(0, dot);
      const rest = nested.get(head) ?? [];
      rest.push(path.slice(dot + 1));
      nested.set(head, rest);
    }
  }
  for (const [head, rest] of nested) {
    if (Object.prototype.hasOwnProperty.call(out, head)) out[head] = stripEncrypted(out[head], rest);
  }
  return out;
}
