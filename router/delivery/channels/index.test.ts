import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel, DeliveryJob } from '../types.ts';
import { createDeliveryChannel } from './index.ts';
import { startPartner, type PartnerServer } from './test-servers.ts';

const job: DeliveryJob = {
  deliveryId: 'dlv_index_1',
  leadId: 'L9',
  entity: 'mortgage',
  profile: 'residential-east',
  partner: 'acme',
  priority: 0,
  test: false,
  receivedAt: '2025-01-02T03:04:05.000Z',
  lead: { state: 'NY' },
  tried: [],
};

let partner: PartnerServer;
let outboxDir: string;
let channel: Channel;

beforeAll(async () => {
  partner = await startPartner();
  outboxDir = await mkdtemp(join(tmpdir(), 'leadroute-channels-'));
  channel = createDeliveryChannel({ outboxDir, env: {} });
});
afterAll(async () => {
  await channel.close();
  await partner.close();
  await rm(outboxDir, { recursive: true, force: true });
});

describe('createDeliveryChannel', () => {
  it('sends by webhook when the delivery has one (even with email set)', async () => {
    const result = await channel.send(job, { webhook: { url: `${partner.origin}/in` }, email: { to: ['x@example.com'] } }, 1);
    expect(result).toMatchObject({ outcome: 'accepted', channel: 'webhook', statusCode: 200 });
    expect(partner.requests.map((r) => r.url)).toEqual(['/in']);
    expect(await readdir(outboxDir)).toEqual([]);
  });

  it('sends by email otherwise (to the outbox without SMTP)', async () => {
    const result = await channel.send(job, { email: { to: ['x@example.com'] } }, 1);
    expect(result).toMatchObject({ outcome: 'accepted', channel: 'email' });
    expect(await readdir(outboxDir)).toEqual(['dlv_index_1.eml']);
  });

  it('rejects a delivery with no channel', async () => {
    expect(await channel.send(job, {}, 1)).toEqual({
      outcome: 'rejected',
      channel: 'webhook',
      durationMs: 0,
      error: 'no delivery channel configured (webhook or email)',
    });
  });
});
