import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmailDelivery } from '../../config/types.ts';
import type { AttemptResult, Channel, DeliveryJob } from '../types.ts';
import { createEmailChannel } from './email.ts';
import { parseMime } from './test-mime.ts';
import { closedPort, startSmtp, type SmtpTestServer } from './test-servers.ts';

const SSN = '078-05-1120';

function job(overrides: Partial<DeliveryJob> = {}): DeliveryJob {
  return {
    deliveryId: 'dlv_01J0000000000000000000002',
    leadId: 'L7',
    entity: 'mortgage',
    profile: 'residential-east',
    partner: 'northwind',
    priority: 5,
    test: false,
    receivedAt: '2025-01-02T03:04:05.000Z',
    lead: { email: 'a@example.com', state: 'NY', name: 'Doe, "Jo"', loanAmount: 300000, ssn: SSN, address: { city: 'New York', postcode: '10001' } },
    tried: [],
    ...overrides,
  };
}

const EMAIL: EmailDelivery = { to: ['leads@northwind.example'] };

let smtp: SmtpTestServer;
let channel: Channel;
let outboxDir: string;

beforeAll(async () => {
  smtp = await startSmtp();
  outboxDir = await mkdtemp(join(tmpdir(), 'leadroute-outbox-'));
  channel = createEmailChannel({ smtpUrl: smtp.url, outboxDir, from: 'router@leadroute.example', env: {} });
});
afterEach(() => {
  smtp.messages.length = 0;
  smtp.refuseRecipient = () => undefined;
  smtp.refuseData = () => undefined;
});
afterAll(async () => {
  await channel.close();
  await smtp.close();
  await rm(outboxDir, { recursive: true, force: true });
});

async function send(email: EmailDelivery, delivered: DeliveryJob = job(), via: Channel = channel): Promise<AttemptResult> {
  const result = await via.send(delivered, { email }, 1);
  expect(result.channel).toBe('email');
  // Encrypted lead values are delivered, never echoed in the attempt log.
  expect(result.error ?? '').not.toContain(SSN);
  expect(result.smtpReply ?? '').not.toContain(SSN);
  return result;
}

describe('email channel over SMTP', () => {
  it('delivers the default subject and a field: value body to every recipient', async () => {
    const result = await send({ to: ['leads@northwind.example'], cc: ['audit@northwind.example'] });
    expect(result.outcome).toBe('accepted');
    expect(result.smtpReply).toMatch(/^250 /);
    expect(result.error).toBeUndefined();

    const [mail] = smtp.messages;
    expect(mail.from).toBe('router@leadroute.example');
    expect(mail.to).toEqual(['leads@northwind.example', 'audit@northwind.example']);
    const message = parseMime(mail.raw);
    expect(message.headers.subject).toBe('New mortgage lead L7');
    expect(message.headers.to).toBe('leads@northwind.example');
    expect(message.headers.cc).toBe('audit@northwind.example');
    expect(message.headers['message-id']).toBe('<dlv_01J0000000000000000000002@leadroute>');
    expect(message.headers['x-lead-test']).toBeUndefined();
    expect(message.body).toBe(
      'email: a@example.com\nstate: NY\nname: Doe, "Jo"\nloanAmount: 300000\nssn: 078-05-1120\naddress.city: New York\naddress.postcode: 10001\n',
    );
  });

  it('renders subject and body templates, selects fields and attaches them as CSV', async () => {
    const result = await send({
      to: ['leads@northwind.example'],
      from: 'Leads <leads@router.example>',
      subject: 'New {{state}} lead for {{partner}}: {{address.city}}',
      body: 'Lead {{leadId}} ({{entity}}/{{profile}})\nAmount: {{loanAmount}}\nMissing: [{{nope}}]\n',
      fields: ['name', 'address', 'zip', 'ssn'],
      attachCsv: true,
    });
    expect(result.outcome).toBe('accepted');
    const message = parseMime(smtp.messages[0].raw);
    expect(smtp.messages[0].from).toBe('leads@router.example');
    expect(message.headers.subject).toBe('New NY lead for northwind: New York');
    expect(message.headers['content-type']).toMatch(/^multipart\/mixed/);
    const [text, csv] = message.parts;
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    expect(text.body).toBe('Lead L7 (mortgage/residential-east)\nAmount: 300000\nMissing: []\n');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe('attachment; filename=lead-L7.csv');
    expect(csv.headers['content-transfer-encoding']).toBe('base64');
    expect(csv.body).toBe('name,address.city,address.postcode,zip,ssn\r\n"Doe, ""Jo""",New York,10001,,078-05-1120\r\n');
  });

  it('uses the selected fields for the default body', async () => {
    await send({ ...EMAIL, fields: ['state', 'address.city'] });
    expect(parseMime(smtp.messages[0].raw).body).toBe('state: NY\naddress.city: New York\n');
  });

  it('marks a test lead: [TEST] subject prefix and X-Lead-Test header', async () => {
    await send(EMAIL, job({ test: true }));
    const message = parseMime(smtp.messages[0].raw);
    expect(message.headers.subject).toBe('[TEST] New mortgage lead L7');
    expect(message.headers['x-lead-test']).toBe('true');
  });

  it('keeps lead values from adding header lines through the subject', async () => {
    await send({ ...EMAIL, subject: 'Lead {{state}}' }, job({ lead: { state: 'NY\r\nBcc: evil@example.com' } }));
    const message = parseMime(smtp.messages[0].raw);
    expect(message.headers.subject).toBe('Lead NY Bcc: evil@example.com');
    expect(message.headers.bcc).toBeUndefined();
    expect(smtp.messages[0].to).toEqual(['leads@northwind.example']);
  });

  it('rejects when every recipient is refused with 550', async () => {
    smtp.refuseRecipient = () => 550;
    const result = await send({ to: ['a@northwind.example', 'b@northwind.example'] });
    expect(result).toMatchObject({ outcome: 'rejected', error: 'all recipients refused (550, 550)' });
    expect(result.smtpReply).toMatch(/^550 /);
    expect(smtp.messages).toHaveLength(0);
  });

  it('retries when recipients are refused only for now (450)', async () => {
    smtp.refuseRecipient = () => 450;
    expect(await send(EMAIL)).toMatchObject({ outcome: 'retryable', error: 'all recipients refused (450)' });
  });

  it('accepts when some recipients take the message, noting the refused ones', async () => {
    smtp.refuseRecipient = (address) => (address.startsWith('gone') ? 550 : undefined);
    const result = await send({ to: ['gone@northwind.example', 'leads@northwind.example'] });
    expect(result).toMatchObject({ outcome: 'accepted', error: '1 of 2 recipients refused' });
    expect(smtp.messages[0].to).toEqual(['leads@northwind.example']);
  });

  it('retries on a temporary failure after DATA (451)', async () => {
    smtp.refuseData = () => 451;
    const result = await send(EMAIL);
    expect(result).toMatchObject({ outcome: 'retryable' });
    expect(result.smtpReply).toMatch(/^451 /);
    expect(result.error).toContain('SMTP 451');
  });

  it('rejects on a permanent failure after DATA (554)', async () => {
    smtp.refuseData = () => 554;
    const result = await send(EMAIL);
    expect(result).toMatchObject({ outcome: 'rejected' });
    expect(result.smtpReply).toMatch(/^554 /);
  });

  it('recovers after refusals: the pool keeps working', async () => {
    smtp.refuseData = () => 451;
    await send(EMAIL);
    smtp.refuseData = () => undefined;
    expect(await send(EMAIL)).toMatchObject({ outcome: 'accepted' });
  });

  it('retries when the SMTP server is down', async () => {
    const down = createEmailChannel({ smtpUrl: `smtp://127.0.0.1:${await closedPort()}`, outboxDir, env: {} });
    const result = await send(EMAIL, job(), down);
    await down.close();
    expect(result.outcome).toBe('retryable');
    expect(result.error).toMatch(/^connection failed/);
  });

  it('rejects settings it cannot use', async () => {
    expect(await send({ to: [] })).toMatchObject({ outcome: 'rejected', error: 'no email recipients configured' });
    expect(await send({ to: ['${PARTNER_INBOX}'] })).toMatchObject({ outcome: 'rejected', error: 'missing environment variable: PARTNER_INBOX' });
    expect(await send({ to: ['not an address'] })).toMatchObject({ outcome: 'rejected' });
    expect(smtp.messages).toHaveLength(0);
  });
});

describe('email channel without SMTP: the outbox', () => {
  it('writes each message as <deliveryId>.eml', async () => {
    const dir = join(outboxDir, 'nested', 'outbox');
    const outbox = createEmailChannel({ outboxDir: dir, env: { INBOX: 'leads@northwind.example' } });
    const first = await send({ to: ['${INBOX}'], attachCsv: true, fields: ['state'] }, job({ test: true }), outbox);
    const second = await send(EMAIL, job({ deliveryId: 'dlv/../2', leadId: 'L8' }), outbox);
    await outbox.close();
    expect(first).toMatchObject({ outcome: 'accepted' });
    expect(second).toMatchObject({ outcome: 'accepted' });

    expect((await readdir(dir)).sort()).toEqual(['dlv_.._2.eml', 'dlv_01J0000000000000000000002.eml']);
    const message = parseMime(await readFile(join(dir, 'dlv_01J0000000000000000000002.eml'), 'utf8'));
    expect(message.headers.subject).toBe('[TEST] New mortgage lead L7');
    expect(message.headers.to).toBe('leads@northwind.example');
    expect(message.headers.from).toBe('leadroute <leadroute@localhost>');
    expect(message.headers['x-lead-test']).toBe('true');
    expect(message.parts.map((part) => part.body)).toEqual(['state: NY\n', 'state\r\nNY\r\n']);
    expect(parseMime(await readFile(join(dir, 'dlv_.._2.eml'), 'utf8')).headers.subject).toBe('New mortgage lead L8');
  });
});
