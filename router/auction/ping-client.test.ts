import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPingClient, parseBid, type PingBody } from './ping-client.ts';
import { startBidders, type BidderServer } from './testing/bidder-server.ts';

const SECRET = `whsec_${Buffer.from('ping-secret-for-tests-0123456789').toString('base64')}`;
const body: PingBody = { pingId: 'P1', entity: 'auto', test: false, fields: { state: 'TX', zip: '75001' } };

describe('ping client (real HTTP bidders)', () => {
  let bidders: BidderServer;
  const client = createPingClient({ env: { SIGNING: SECRET, TOKEN: 't0k' } });
  beforeAll(async () => {
    bidders = await startBidders({
      fast: { bid: 12.5, bidId: 'b-fast' },
      slow: 'hold',
      late: { bid: 30, delayMs: 400 },
      failing: { status: 503 },
      malformed: { raw: '{"bid": "lots"}' },
      notjson: { raw: 'bid=12' },
      zero: { bid: 0 },
    });
  });
  afterAll(async () => {
    await client.close();
    await bidders.close();
  });
  const ping = (partner: string, deadlineMs = 2000, extra = {}) =>
    client.ping(partner, { url: `${bidders.url}/${partner}`, fields: ['state'], ...extra }, body, Date.now() + deadlineMs);

  it('takes a bid and its id from a 2xx answer', async () => {
    const b = await ping('fast');
    expect(b).toMatchObject({ partner: 'fast', bid: 12.5, bidId: 'b-fast' });
    expect(b.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('gives up at the deadline on a bidder that never answers, and on one that answers too late', async () => {
    // `slow` holds its answer for ever: the ping resolving at all is the deadline at work.
    expect(await ping('slow', 150)).toMatchObject({ partner: 'slow', noBid: expect.stringMatching(/^no answer within \d+ms$/) });
    expect(await ping('late', 2000, { timeout: '100ms' })).toMatchObject({ noBid: 'no answer within 100ms' });
  });

  it('says why there is no bid: status, malformed answer, declined', async () => {
    expect((await ping('failing')).noBid).toBe('HTTP 503');
    expect((await ping('malformed')).noBid).toBe('malformed answer: bid is not a number');
    expect((await ping('notjson')).noBid).toBe('malformed answer: not JSON');
    expect((await ping('zero')).noBid).toBe('declined (bid 0)');
    expect((await ping('fast', 2000, { url: 'http://ping.example.com/bid' })).noBid).toMatch(/^not pinged: plain http/);
  });

  it('signs the ping per Standard Webhooks with the pingId, and sends the configured headers', async () => {
    await ping('fast', 2000, { signingSecret: '${SIGNING}', headers: { Authorization: 'Bearer ${TOKEN}', 'webhook-id': 'forged' } });
    const got = bidders.pings.at(-1)!;
    expect(got.headers['webhook-id']).toBe('P1');
    expect(got.headers.authorization).toBe('Bearer t0k');
    const verified = new Webhook(SECRET).verify(got.text, {
      'webhook-id': String(got.headers['webhook-id']),
      'webhook-timestamp': String(got.headers['webhook-timestamp']),
      'webhook-signature': String(got.headers['webhook-signature']),
    });
    expect(verified).toEqual(body);
  });

  it('does not ping with a missing secret', async () => {
    expect((await ping('fast', 2000, { signingSecret: '${NOPE}' })).noBid).toBe('not pinged: missing environment variable: NOPE');
  });
});

describe('parseBid', () => {
  it('reads a bid, refuses anything else', () => {
    expect(parseBid('{"bid": 3, "bidId": 42}')).toEqual({ bid: 3, bidId: '42' });
    expect(parseBid('[1]').noBid).toBe('malformed answer: not a JSON object');
    expect(parseBid('{"bid": -1}').noBid).toBe('declined (bid -1)');
    expect(parseBid('{"bid": 1, "bidId": {}}').noBid).toBe('malformed answer: bidId is not a string');
  });
});
