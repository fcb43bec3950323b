// Lead sources are isolated: a lead belongs to the source that posted it, and another source's
// key cannot tell it from an unknown id. Keys may be named (`vendor-a:KEY`); the name, never the
// key, is what the record and the log show.
import { describe, expect, it } from 'vitest';
import { keyId } from './auth.ts';
import { harness, postJson, validLead } from './test-fixtures.ts';

const A = 'key-of-vendor-a-0123456789';
const B = 'key-of-vendor-b-9876543210';
const ADMIN = 'admin-key-abcdef';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

const named = () => harness({ apiKeys: [`vendor-a:${A}`, `vendor-b:${B}`], adminKey: ADMIN });

async function post(h: ReturnType<typeof harness>, key: string | null, headers: Record<string, string> = {}) {
  const res = await h.app.request(...postJson('/v1/leads/mortgage', validLead, { ...(key ? bearer(key) : {}), ...headers }));
  expect(res.status).toBe(202);
  return (await res.json()) as { leadId: string; routes: { partner: string }[] };
}

const get = (h: ReturnType<typeof harness>, leadId: string, key: string | null) =>
  h.app.request(`/v1/leads/${leadId}`, { headers: key ? bearer(key) : {} });

/** The body an id nobody posted gets, for `leadId`. */
const unknownBody = (leadId: string) => ({
  error: { code: 'LEAD_NOT_FOUND', message: `no lead '${leadId}' (unknown, or older than the retention period)`, leadId },
});

describe('named source keys', () => {
  it("another source's key gets 404, the same body as an unknown id; the owner and the admin read it", async () => {
    const h = named();
    const { leadId } = await post(h, A);

    const other = await get(h, leadId, B);
    expect(other.status).toBe(404);
    const otherText = await other.text();
    expect(JSON.parse(otherText)).toEqual(unknownBody(leadId));
    expect(otherText).not.toContain('acme');
    expect(otherText).not.toContain('42.5');
    // An id nobody posted gets exactly that shape.
    const ghost = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    const unknown = await get(h, ghost, B);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual(unknownBody(ghost));

    const own = await get(h, leadId, A);
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ leadId, source: 'vendor-a', routes: [{ partner: 'acme', price: 42.5 }] });

    const admin = await get(h, leadId, ADMIN);
    expect(admin.status).toBe(200);
    expect(await admin.json()).toMatchObject({ leadId, source: 'vendor-a' });
  });

  it('the record and the "lead accepted" line name the source, never its key', async () => {
    const h = named();
    const { leadId } = await post(h, B);
    expect(h.records.get(leadId)?.source).toBe('vendor-b');
    const line = h.logs.find((l) => l.msg === 'lead accepted' && l.leadId === leadId);
    expect(line).toMatchObject({ source: 'vendor-b' });
    const all = JSON.stringify(h.logs) + JSON.stringify([...h.records.values()]);
    expect(all).not.toContain(B);
    expect(all).not.toContain(A);
  });

  it('a lead posted with the admin key belongs to the admin: no source reads it', async () => {
    const h = named();
    const { leadId } = await post(h, ADMIN);
    expect(h.records.get(leadId)?.source).toBe('admin');
    expect((await get(h, leadId, A)).status).toBe(404);
    expect((await get(h, leadId, ADMIN)).status).toBe(200);
  });

  it('two keys with one name are one source (key rotation): either reads what the other posted', async () => {
    const h = harness({ apiKeys: ['vendor-a:old-key-1111', 'vendor-a:new-key-2222', `vendor-b:${B}`] });
    const { leadId } = await post(h, 'old-key-1111');
    expect((await get(h, leadId, 'new-key-2222')).status).toBe(200);
    expect((await get(h, leadId, B)).status).toBe(404);
  });

  it('Idempotency-Key is per source: the same key from two sources makes two leads; a repeat replays', async () => {
    const h = named();
    const a1 = await post(h, A, { 'idempotency-key': 'order-1' });
    const b1 = await post(h, B, { 'idempotency-key': 'order-1' });
    expect(b1.leadId).not.toBe(a1.leadId);
    const a2 = await h.app.request(...postJson('/v1/leads/mortgage', validLead, { ...bearer(A), 'idempotency-key': 'order-1' }));
    expect(a2.headers.get('idempotent-replayed')).toBe('true');
    expect((await a2.json()).leadId).toBe(a1.leadId);
    expect(h.jobs).toHaveLength(2);
    expect(h.records.get(b1.leadId)?.source).toBe('vendor-b');
  });

  it('a record without a source (stored before sources were recorded) is read by the admin only', async () => {
    const h = named();
    const { leadId } = await post(h, A);
    delete h.records.get(leadId)!.source;
    expect((await get(h, leadId, A)).status).toBe(404);
    expect((await get(h, leadId, ADMIN)).status).toBe(200);
  });
});

describe('bare source keys', () => {
  it('are named by their key id; another bare key gets 404', async () => {
    const h = harness({ apiKeys: [A, B] });
    const { leadId } = await post(h, A);
    const other = await get(h, leadId, B);
    expect(other.status).toBe(404);
    expect(await other.json()).toEqual(unknownBody(leadId));
    expect((await get(h, leadId, A)).status).toBe(200);
    expect(h.records.get(leadId)?.source).toBe(keyId(A));
  });

  it('named and bare keys mix', async () => {
    const h = harness({ apiKeys: [`vendor-a:${A}`, B] });
    const { leadId } = await post(h, B);
    expect(h.records.get(leadId)?.source).toBe(keyId(B));
    expect((await get(h, leadId, A)).status).toBe(404);
  });
});

describe('no keys (loopback)', () => {
  it('everything is one source', async () => {
    const h = harness();
    const { leadId } = await post(h, null);
    expect(h.records.get(leadId)?.source).toBe('loopback');
    expect((await get(h, leadId, null)).status).toBe(200);
  });
});
