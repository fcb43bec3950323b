import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery, WebhookDelivery } from '../../config/types.ts';
import type { AttemptResult, DeliveryJob } from '../types.ts';
import { closedPort, startPartner, type PartnerServer } from './test-servers.ts';
import { createWebhookAgent, createWebhookChannel, type WebhookChannelOptions } from './webhook.ts';

const SSN = '078-05-1120';
const TOKEN = 'tok-very-secret-123';

function job(overrides: Partial<DeliveryJob> = {}): DeliveryJob {
  return {
    deliveryId: 'dlv_01J0000000000000000000001',
    leadId: 'L1',
    entity: 'mortgage',
    profile: 'residential-east',
    partner: 'acme',
    priority: 10,
    price: 42.5,
    test: false,
    receivedAt: '2025-01-02T03:04:05.000Z',
    lead: { email: 'a@example.com', state: 'NY', loanAmount: 300000, ssn: SSN, address: { city: 'New York', postcode: '10001' } },
    tried: [],
    ...overrides,
  };
}

let partner: PartnerServer;
let agent: Agent;

beforeAll(async () => {
  partner = await startPartner();
  agent = createWebhookAgent();
});
afterEach(() => {
  partner.requests.length = 0;
  partner.handle((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"accepted"}'));
});
afterAll(async () => {
  await partner.close();
  await agent.close();
});

/** Sends one job to the partner server with the given webhook settings. */
async function send(webhook: Partial<WebhookDelivery>, options: { job?: DeliveryJob; attempt?: number } & WebhookChannelOptions = {}): Promise<AttemptResult> {
  const channel = createWebhookChannel({ agent, env: {}, ...options });
  const delivery: Delivery = { webhook: { url: `${partner.origin}/leads`, ...webhook } };
  const result = await channel.send(options.job ?? job(), delivery, options.attempt ?? 1);
  await channel.close();
  // Encrypted lead values and secrets are delivered, never echoed in the attempt log.
  expect(result.error ?? '').not.toContain(SSN);
  expect(result.error ?? '').not.toContain(TOKEN);
  expect(result.channel).toBe('webhook');
  expect(result.durationMs).toBeGreaterThanOrEqual(0);
  return result;
}

describe('webhook channel: outcomes', () => {
  it('accepts a 2xx on the first try', async () => {
    const result = await send({});
    expect(result).toMatchObject({ outcome: 'accepted', statusCode: 200 });
    expect(result.error).toBeUndefined();
    expect(partner.requests).toHaveLength(1);
  });

  it('treats 503 as retryable', async () => {
    partner.handle((_req, res) => res.writeHead(503).end('down for maintenance'));
    expect(await send({})).toMatchObject({ outcome: 'retryable', statusCode: 503, error: 'HTTP 503 Service Unavailable' });
  });

  it('treats 408 as retryable', async () => {
    partner.handle((_req, res) => res.writeHead(408).end());
    expect(await send({})).toMatchObject({ outcome: 'retryable', statusCode: 408 });
  });

  it('treats 400 as a rejection, without echoing the response body', async () => {
    partner.handle((_req, res) => res.writeHead(400).end(`bad ssn ${SSN}`));
    expect(await send({})).toEqual({ outcome: 'rejected', channel: 'webhook', statusCode: 400, error: 'HTTP 400 Bad Request', durationMs: expect.any(Number) });
  });

  it('rejects a 2xx whose body says rejected under an accept rule', async () => {
    partner.handle((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"rejected","reason":"duplicate"}'));
    const result = await send({ accept: { field: 'status', equals: 'accepted' } });
    expect(result).toMatchObject({ outcome: 'rejected', statusCode: 200 });
    expect(result.error).toContain('body says rejected');
  });

  it('accepts a 2xx whose body meets the accept rule (dotted field)', async () => {
    partner.handle((_req, res) => res.writeHead(201).end('{"result":{"code":1}}'));
    expect(await send({ accept: { field: 'result.code', equals: 1 } })).toMatchObject({ outcome: 'accepted', statusCode: 201 });
  });

  it('rejects a 2xx that is not JSON under an accept rule', async () => {
    partner.handle((_req, res) => res.writeHead(200).end('OK'));
    const result = await send({ accept: { field: 'status', equals: 'accepted' } });
    expect(result).toMatchObject({ outcome: 'rejected', statusCode: 200 });
    expect(result.error).toContain('not JSON');
  });

  it('treats 429 as retryable and honours Retry-After in seconds', async () => {
    partner.handle((_req, res) => res.writeHead(429, { 'retry-after': '7' }).end());
    expect(await send({})).toMatchObject({ outcome: 'retryable', statusCode: 429, retryAfterMs: 7000 });
  });

  it('reads Retry-After as an HTTP date', async () => {
    partner.handle((_req, res) => res.writeHead(503, { 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }).end());
    const result = await send({}, { now: () => new Date('2025-01-01T00:00:00Z') });
    expect(result).toMatchObject({ outcome: 'retryable', statusCode: 503, retryAfterMs: 30_000 });
  });

  it('treats a partner slower than the timeout as retryable', async () => {
    partner.handle(() => {}); // never answers
    const result = await send({ timeout: '200ms' });
    expect(result).toMatchObject({ outcome: 'retryable', error: 'timeout after 200ms' });
    expect(result.statusCode).toBeUndefined();
  });

  it('does not follow a redirect: a 3xx is a rejection', async () => {
    partner.handle((req, res) => {
      if (req.url === '/leads') res.writeHead(302, { location: '/elsewhere' }).end();
      else res.writeHead(200).end();
    });
    const result = await send({});
    expect(result).toMatchObject({ outcome: 'rejected', statusCode: 302, error: 'HTTP 302 Found: redirect not followed' });
    expect(partner.requests.map((r) => r.url)).toEqual(['/leads']);
  });

  it('treats a refused connection as retryable', async () => {
    const port = await closedPort();
    const result = await send({ url: `http://127.0.0.1:${port}/leads` });
    expect(result).toMatchObject({ outcome: 'retryable' });
    expect(result.error).toContain('ECONNREFUSED');
  });

  it.each([
    [{ maxResponseBytes: 1024 }, undefined, 'accepted'],
    [{ maxResponseBytes: 1024 }, { field: 'status', equals: 'accepted' }, 'rejected'],
  ] as const)('stops reading a response bigger than the limit (%#)', async (options, accept, outcome) => {
    const total = 64 * 1024 * 1024;
    let closed!: Promise<{ finished: boolean; sent: number }>;
    partner.handle((_req, res) => {
      closed = new Promise((resolve) => res.on('close', () => resolve({ finished: res.writableFinished, sent })));
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const result = await send({ ...(accept ? { accept } : {}) }, options);
    expect(result).toMatchObject({ outcome, statusCode: 200 });
    if (accept) expect(result.error).toContain('over 1024 bytes');
    // The channel hung up long before the partner could send it all.
    const { finished, sent } = await closed;
    expect(finished).toBe(false);
    expect(sent).toBeLessThan(total);
  });

  it('rejects, without sending, settings it cannot use', async () => {
    expect(await send({ url: 'http://partner.example/leads' })).toMatchObject({ outcome: 'rejected', error: 'plain http to a non-loopback host needs insecure: true' });
    expect(await send({ url: 'not a url' })).toMatchObject({ outcome: 'rejected' });
    expect(await send({ signingSecret: 'whsec_!!!' })).toMatchObject({ outcome: 'rejected', error: 'signingSecret is not a whsec_<base64> secret' });
    expect(await send({ headers: { 'X-Bad': 'a\r\nb' } })).toMatchObject({ outcome: 'rejected' });
    expect(partner.requests).toHaveLength(0);
  });

  it('rejects when a ${ENV} reference is missing, naming the variable only', async () => {
    const result = await send({ headers: { Authorization: 'Bearer ${ACME_TOKEN}' } }, { env: {} });
    expect(result).toMatchObject({ outcome: 'rejected', error: 'missing environment variable: ACME_TOKEN' });
    expect(partner.requests).toHaveLength(0);
  });
});

describe('webhook channel: what the partner receives', () => {
  it('sends the default JSON body, exactly, with headers and ${ENV} secrets resolved', async () => {
    await send(
      { headers: { Authorization: 'Bearer ${ACME_TOKEN}', 'X-Source': 'leadroute', 'Idempotency-Key': 'overridden?' } },
      { env: { ACME_TOKEN: TOKEN } },
    );
    const [req] = partner.requests;
    expect(req.method).toBe('POST');
    expect(req.body).toBe(
      '{"leadId":"L1","entity":"mortgage","profile":"residential-east","partner":"acme","price":42.5,' +
        '"receivedAt":"2025-01-02T03:04:05.000Z","lead":{"email":"a@example.com","state":"NY","loanAmount":300000,' +
        '"ssn":"078-05-1120","address":{"city":"New York","postcode":"10001"}}}',
    );
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.headers['x-source']).toBe('leadroute');
    expect(req.headers['idempotency-key']).toBe('dlv_01J0000000000000000000001');
    // Unsigned deliveries carry webhook-id too (partners deduplicate on it), but no signature.
    expect(req.headers['webhook-id']).toBe('dlv_01J0000000000000000000001');
    expect(req.headers['webhook-signature']).toBeUndefined();
    expect(req.headers['x-lead-test']).toBeUndefined();
    expect(req.headers['webhook-signature']).toBeUndefined();
  });

  it('sends only the selected fields, at their nesting, with the chosen method', async () => {
    await send({ method: 'PUT', fields: ['email', 'address.city', 'absent'] }, { job: job({ price: undefined }) });
    const [req] = partner.requests;
    expect(req.method).toBe('PUT');
    expect(req.body).toBe(
      '{"leadId":"L1","entity":"mortgage","profile":"residential-east","partner":"acme",' +
        '"receivedAt":"2025-01-02T03:04:05.000Z","lead":{"email":"a@example.com","address":{"city":"New York"}}}',
    );
  });

  it('sends a form body, exactly, with nested keys dotted', async () => {
    await send({ format: 'form' });
    const [req] = partner.requests;
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.body).toBe(
      'leadId=L1&entity=mortgage&profile=residential-east&partner=acme&price=42.5&receivedAt=2025-01-02T03%3A04%3A05.000Z' +
        '&lead.email=a%40example.com&lead.state=NY&lead.loanAmount=300000&lead.ssn=078-05-1120' +
        '&lead.address.city=New+York&lead.address.postcode=10001',
    );
  });

  it('renders a body template exactly, keeping the type of whole-placeholder values', async () => {
    await send({
      template: {
        ref: '{{leadId}}',
        amount: '{{loanAmount}}',
        contact: { email: '{{ email }}', city: '{{address.city}}' },
        label: 'Lead {{leadId}} from {{state}} for {{partner}}/{{profile}}',
        price: '{{price}}',
        at: '{{receivedAt}}',
        missing: '{{nope}}',
        address: '{{address}}',
        fixed: 7,
        flags: ['{{state}}', true, null],
        sneaky: '{{constructor}}{{__proto__}}{{lead.__proto__.x}}',
      },
    });
    expect(partner.requests[0].body).toBe(
      '{"ref":"L1","amount":300000,"contact":{"email":"a@example.com","city":"New York"},' +
        '"label":"Lead L1 from NY for acme/residential-east","price":42.5,"at":"2025-01-02T03:04:05.000Z","missing":"",' +
        '"address":{"city":"New York","postcode":"10001"},"fixed":7,"flags":["NY",true,null],"sneaky":""}',
    );
  });

  it('sends a template as a form', async () => {
    await send({ format: 'form', template: { id: '{{leadId}}', who: { mail: '{{email}}' }, n: '{{loanAmount}}' } });
    expect(partner.requests[0].body).toBe('id=L1&who.mail=a%40example.com&n=300000');
  });

  it('marks a test lead: header and test: true in the body (default and template)', async () => {
    await send({ fields: ['state'] }, { job: job({ test: true }) });
    await send({ template: { id: '{{leadId}}' } }, { job: job({ test: true }) });
    const [plain, templated] = partner.requests;
    expect(plain.headers['x-lead-test']).toBe('true');
    expect(plain.body).toBe(
      '{"leadId":"L1","entity":"mortgage","profile":"residential-east","partner":"acme","price":42.5,' +
        '"receivedAt":"2025-01-02T03:04:05.000Z","test":true,"lead":{"state":"NY"}}',
    );
    expect(templated.headers['x-lead-test']).toBe('true');
    expect(templated.body).toBe('{"id":"L1","test":true}');
  });

  it('signs per Standard Webhooks, with a webhook-id stable across attempts', async () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    partner.handle((req, res) => {
      if (partner.requests.length === 1) res.writeHead(503).end();
      else res.writeHead(200).end();
    });
    const delivered = job();
    const first = await send({ signingSecret: '${ACME_SIGNING_SECRET}' }, { job: delivered, attempt: 1, env: { ACME_SIGNING_SECRET: secret } });
    const second = await send({ signingSecret: '${ACME_SIGNING_SECRET}' }, { job: delivered, attempt: 2, env: { ACME_SIGNING_SECRET: secret } });
    expect(first.outcome).toBe('retryable');
    expect(second.outcome).toBe('accepted');

    const verifier = new Webhook(secret);
    for (const req of partner.requests) {
      const headers = {
        'webhook-id': String(req.headers['webhook-id']),
        'webhook-timestamp': String(req.headers['webhook-timestamp']),
        'webhook-signature': String(req.headers['webhook-signature']),
      };
      expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
      expect(verifier.verify(req.body, headers)).toEqual(JSON.parse(req.body));
      expect(headers['webhook-id']).toBe(delivered.deliveryId);
      expect(req.headers['idempotency-key']).toBe(delivered.deliveryId);
    }
    // A tampered body does not verify.
    const [req] = partner.requests;
    expect(() =>
      verifier.verify(req.body.replace('NY', 'NJ'), {
        'webhook-id': String(req.headers['webhook-id']),
        'webhook-timestamp': String(req.headers['webhook-timestamp']),
        'webhook-signature': String(req.headers['webhook-signature']),
      }),
    ).toThrow();
  });

  it('uses the injected clock for webhook-timestamp', async () => {
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    await send({ signingSecret: secret }, { now: () => new Date('2025-06-01T12:00:00.900Z') });
    expect(partner.requests[0].headers['webhook-timestamp']).toBe(String(Date.parse('2025-06-01T12:00:00Z') / 1000));
  });
});
