// The email channel: pooled SMTP when an SMTP URL is configured, otherwise an outbox directory
// of `.eml` files (so the router runs with nothing else installed). Never throws.

import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { Delivery } from '../../config/types.ts';
import type { AttemptResult, Channel, DeliveryJob } from '../types.ts';
import { createEnvResolver, missingEnvError } from './env-cache.ts';
import { buildEmailMessage, DEFAULT_EMAIL_FROM } from './email-message.ts';

export interface EmailChannelOptions {
  /** `smtp://user:pass@host:port` or `smtps://…`; unset: write messages to `outboxDir`. */
  smtpUrl?: string;
  outboxDir: string;
  /** Sender when the delivery names none. */
  from?: string;
  /** Where `${NAME}` references still left in the settings are resolved (default process.env). */
  env?: NodeJS.ProcessEnv;
}

type Classified = Omit<AttemptResult, 'channel' | 'durationMs'>;

export function createEmailChannel(opts: EmailChannelOptions): Channel {
  const defaultFrom = opts.from ?? DEFAULT_EMAIL_FROM;
  const resolveEnv = createEnvResolver(opts.env ?? process.env);
  const smtp = opts.smtpUrl
    ? nodemailer.createTransport(new SMTPPool({
        // Defaults; query parameters of the URL win over them.
        url: opts.smtpUrl,
        pool: true,
        maxConnections: 5,
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 30_000,
      }))
    : undefined;
  const outbox = smtp ? undefined : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

  async function writeToOutbox(job: DeliveryJob, message: Buffer): Promise<void> {
    await mkdir(opts.outboxDir, { recursive: true });
    const file = join(opts.outboxDir, `${job.deliveryId.replace(/[^A-Za-z0-9._-]/g, '_')}.eml`);
    // Written aside then renamed, so a reader never sees half a message.
    const partial = `${file}.${randomUUID()}.tmp`;
    await writeFile(partial, message);
    await rename(partial, file);
  }

  async function send(job: DeliveryJob, delivery: Delivery, _attempt: number): Promise<AttemptResult> {
    const started = performance.now();
    const finish = (result: Classified): AttemptResult => ({
      channel: 'email',
      durationMs: Math.round(performance.now() - started),
      ...result,
    });
    try {
      if (!delivery.email) return finish({ outcome: 'rejected', error: 'no email configured' });
      const { value: email, missing } = resolveEnv(delivery.email);
      if (missing.length > 0) return finish({ outcome: 'rejected', error: missingEnvError(missing) });
      if (!email.to || email.to.length === 0) return finish({ outcome: 'rejected', error: 'no email recipients configured' });

      const message = buildEmailMessage(job, email, defaultFrom);
      if (smtp) return finish(classifySmtpInfo(await smtp.sendMail(message)));
      const info = await outbox!.sendMail(message);
      await writeToOutbox(job, info.message as Buffer);
      return finish({ outcome: 'accepted' });
    } catch (err) {
      if (smtp) return finish(classifySmtpError(err));
      return finish({ outcome: 'retryable', error: `outbox write failed (${(err as { code?: string }).code ?? 'unknown error'})` });
    }
  }

  return {
    send,
    async close() {
      smtp?.close();
      outbox?.close();
    },
  };
}

/** The server's reply, one line, bounded. */
function replyLine(response: unknown): string | undefined {
  if (typeof response !== 'string' || response === '') return undefined;
  return response.split(/\r?\n/)[0].slice(0, 200);
}

function classifySmtpInfo(info: { response?: string; accepted?: unknown[]; rejected?: unknown[] }): Classified {
  const smtpReply = replyLine(info.response);
  const accepted = info.accepted?.length ?? 0;
  const refused = info.rejected?.length ?? 0;
  if (accepted === 0 && refused > 0) return { outcome: 'rejected', smtpReply, error: 'all recipients refused' };
  return {
    outcome: 'accepted',
    ...(smtpReply ? { smtpReply } : {}),
    ...(refused > 0 ? { error: `${refused} of ${accepted + refused} recipients refused` } : {}),
  };
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  rejectedErrors?: { responseCode?: number; response?: string }[];
}

function classifySmtpError(err: unknown): Classified {
  const e = (err ?? {}) as SmtpError;
  const smtpReply = replyLine(e.response);
  const reply = smtpReply ? { smtpReply } : {};
  const where = e.command ? ` at ${e.command.split(' ')[0]}` : '';

  if (e.code === 'EENVELOPE' && e.rejectedErrors && e.rejectedErrors.length > 0) {
    const codes = e.rejectedErrors.map((r) => r.responseCode ?? 0);
    // Every refusal permanent: the partner's mailboxes will not take it. Any temporary one: try again.
    const permanent = codes.every((code) => code >= 500);
    return { outcome: permanent ? 'rejected' : 'retryable', ...reply, error: `all recipients refused (${codes.join(', ')})` };
  }
  if (e.responseCode && e.responseCode >= 500) return { outcome: 'rejected', ...reply, error: `SMTP ${e.responseCode}${where}` };
  if (e.responseCode && e.responseCode >= 400) return { outcome: 'retryable', ...reply, error: `SMTP ${e.responseCode}${where}` };
  // An envelope nodemailer refuses before asking the server (no or malformed addresses).
  if (e.code === 'EENVELOPE') return { outcome: 'rejected', error: 'invalid envelope (sender or recipients)' };
  if (e.code && ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'ECONNREFUSED', 'ECONNRESET'].includes(e.code)) {
    return { outcome: 'retryable', ...reply, error: `connection failed (${e.code})` };
  }
  return { outcome: 'retryable', ...reply, error: `send failed (${e.code ?? 'unknown error'})` };
}
