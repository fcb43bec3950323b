// A minimal real Channel over node:http for the delivery tests and the crash fixture, so they do
// not depend on the full webhook channel (channels/). Same classification as the real one:
// 2xx accepted, 4xx other than 408/429 rejected, the rest (5xx, 408, 429, network) retryable.
import { request } from 'node:http';
import type { Delivery } from '../../config/types.ts';
import type { AttemptResult, Channel, DeliveryJob } from '../types.ts';

export function createTestHttpChannel(opts: { timeoutMs?: number } = {}): Channel {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return {
    send(job: DeliveryJob, delivery: Delivery, attempt: number): Promise<AttemptResult> {
      const started = Date.now();
      const body = JSON.stringify({
        leadId: job.leadId, deliveryId: job.deliveryId, profile: job.profile, partner: job.partner,
        test: job.test, attempt, lead: job.lead,
      });
      const result = (r: Omit<AttemptResult, 'channel' | 'durationMs'>): AttemptResult =>
        ({ channel: 'webhook', durationMs: Date.now() - started, ...r });
      return new Promise((resolve) => {
        const req = request(delivery.webhook!.url, {
          method: 'POST',
          agent: false,
          timeout: timeoutMs,
          headers: { 'content-type': 'application/json', 'webhook-id': job.deliveryId, 'content-length': Buffer.byteLength(body) },
        }, (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const retryAfter = Number(res.headers['retry-after']);
            const retryAfterMs = Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined;
            if (status >= 200 && status < 300) resolve(result({ outcome: 'accepted', statusCode: status }));
            else if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
              resolve(result({ outcome: 'rejected', statusCode: status, error: `HTTP ${status}` }));
            } else resolve(result({ outcome: 'retryable', statusCode: status, error: `HTTP ${status}`, retryAfterMs }));
          });
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', (err) => resolve(result({ outcome: 'retryable', error: err.message })));
        req.end(body);
      });
    },
    async close() {},
  };
}
