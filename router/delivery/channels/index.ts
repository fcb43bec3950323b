// The delivery channel the worker uses: sends by webhook when the delivery has one, else by email.

import type { Agent } from 'undici';
import type { Delivery } from '../../config/types.ts';
import type { AttemptResult, Channel, DeliveryJob } from '../types.ts';
import { createEmailChannel } from './email.ts';
import { createWebhookChannel } from './webhook.ts';

export interface DeliveryChannelOptions {
  /** SMTP server URL (`SMTP_URL`); unset: emails are written to `outboxDir`. */
  smtpUrl?: string;
  outboxDir: string;
  /** Default email sender. */
  from?: string;
  /** The shared undici Agent for webhooks (the caller closes it); default: one owned by the channel. */
  agent?: Agent;
  /** Webhook response bytes read at most (default 64 KiB). */
  maxResponseBytes?: number;
  /** Clock for webhook signatures. */
  now?: () => Date;
  /** Where `${NAME}` references left in delivery settings are resolved (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** A webhook wins when a delivery sets both. */
export function createDeliveryChannel(opts: DeliveryChannelOptions): Channel {
  const webhook = createWebhookChannel({ agent: opts.agent, maxResponseBytes: opts.maxResponseBytes, now: opts.now, env: opts.env });
  const email = createEmailChannel({ smtpUrl: opts.smtpUrl, outboxDir: opts.outboxDir, from: opts.from, env: opts.env });
  return {
    async send(job: DeliveryJob, delivery: Delivery, attempt: number): Promise<AttemptResult> {
      if (delivery.webhook) return webhook.send(job, delivery, attempt);
      if (delivery.email) return email.send(job, delivery, attempt);
      return { outcome: 'rejected', channel: 'webhook', durationMs: 0, error: 'no delivery channel configured (webhook or email)' };
    },
    async close() {
      await Promise.all([webhook.close(), email.close()]);
    },
  };
}
