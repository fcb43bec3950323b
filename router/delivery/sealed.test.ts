import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeliveryJob } from '../delivery-job.ts';
import { createFieldCipher } from '../field-crypto.ts';
import { createMemoryDeliveryQueue } from './queue-memory.ts';
import { openingChannel, openJob, sealingQueue, sealJob } from './sealed.ts';
import type { Channel } from './types.ts';

const cipher = createFieldCipher(randomBytes(32));
const job = (lead: Record<string, unknown>, over: Partial<DeliveryJob> = {}): DeliveryJob => ({
  deliveryId: 'd1', leadId: 'l1', entity: 'lead', profile: 'p', partner: 'alpha', priority: 1,
  test: false, receivedAt: '2026-01-01T00:00:00.000Z', lead, tried: [], ...over,
});

describe('sealJob / openJob', () => {
  it('seals the encrypted paths (nested ones too), leaves the rest, and opens back to the lead', () => {
    const lead = { email: 'a@x.example', ssn: '123-45-6789', applicant: { income: 50_000, name: 'Ann' } };
    const sealed = sealJob(job(lead), ['ssn', 'applicant.income', 'absent', 'applicant.absent'], cipher);
    expect(sealed.sealed).toEqual(['ssn', 'applicant.income']);
    expect(sealed.lead.email).toBe('a@x.example');
    expect((sealed.lead.applicant as Record<string, unknown>).name).toBe('Ann');
    expect(JSON.stringify(sealed)).not.toContain('123-45-6789');
    expect(JSON.stringify(sealed)).not.toContain('50000');
    expect(lead.ssn).toBe('123-45-6789'); // the input is not modified
    const open = openJob(sealed, cipher);
    expect(open).toEqual(job(lead));
    expect('sealed' in open).toBe(false);
  });

  it('an encrypted object is sealed whole (its encrypted children with it)', () => {
    const lead = { applicant: { ssn: '1', income: 2 } };
    const sealed = sealJob(job(lead), ['applicant', 'applicant.ssn'], cipher);
    expect(sealed.sealed).toEqual(['applicant']);
    expect(typeof sealed.lead.applicant).toBe('string');
    expect(openJob(sealed, cipher).lead).toEqual(lead);
  });

  it('does not seal twice, and leaves a job with nothing to seal as it is', () => {
    const once = sealJob(job({ ssn: 'x' }), ['ssn'], cipher);
    expect(sealJob(once, ['ssn'], cipher)).toBe(once);
    const plain = job({ email: 'a' });
    expect(sealJob(plain, ['ssn'], cipher)).toBe(plain);
    expect(openJob(plain, cipher)).toBe(plain);
  });

  it('a sealed value does not open under another lead', () => {
    const sealed = sealJob(job({ ssn: 'x' }), ['ssn'], cipher);
    expect(() => openJob({ ...sealed, leadId: 'l2' }, cipher)).toThrow();
  });

  it('opens any sealed lead back to itself (property)', () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.dictionary(fc.string({ minLength: 1 }), fc.string()));
    fc.assert(fc.property(fc.record({ email: fc.string(), ssn: value, applicant: fc.record({ income: value, name: fc.string() }) }, { requiredKeys: ['email'] }), (lead) => {
      const sealed = sealJob(job(lead), ['ssn', 'applicant.income'], cipher);
      expect(openJob(sealed, cipher)).toEqual(job(lead));
    }));
  });
});

describe('sealingQueue and openingChannel', () => {
  it('seals what is enqueued, once per lead, and the channel sends it opened', async () => {
    const inner = createMemoryDeliveryQueue();
    const stored: DeliveryJob[] = [];
    const queue = sealingQueue({ ...inner, enqueue: async (jobs) => void stored.push(...jobs) }, cipher, (entity) => (entity === 'lead' ? ['ssn'] : []));
    const lead = { ssn: '123-45-6789' };
    await queue.enqueue([job(lead), job(lead, { deliveryId: 'd2', partner: 'beta' }), job({ ssn: 'other' }, { entity: 'plain', deliveryId: 'd3' })]);
    expect(stored[0].lead.ssn).not.toBe('123-45-6789');
    expect(stored[1].lead.ssn).toBe(stored[0].lead.ssn); // one ciphertext for the lead's jobs
    expect(stored[1].deliveryId).toBe('d2');
    expect(stored[2].lead.ssn).toBe('other'); // an entity without encrypted fields

    const sent: DeliveryJob[] = [];
    const plain: Channel = {
      async send(j) {
        sent.push(j);
        return { outcome: 'accepted', channel: 'webhook', durationMs: 0 };
      },
      close: async () => {},
    };
    const channel = openingChannel(plain, cipher);
    const delivery = { webhook: { url: 'http://127.0.0.1/x' } };
    expect((await channel.send(stored[1], delivery, 1)).outcome).toBe('accepted');
    expect(sent[0].lead.ssn).toBe('123-45-6789');

    const other = openingChannel(plain, createFieldCipher(randomBytes(32)));
    const failed = await other.send(stored[0], delivery, 1);
    expect(failed).toMatchObject({ outcome: 'retryable', channel: 'webhook' });
    expect(failed.error).toMatch(/could not be decrypted/);
    expect(sent).toHaveLength(1);
    await inner.close();
  });
});
