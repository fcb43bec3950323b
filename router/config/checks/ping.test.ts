import { describe, expect, it } from 'vitest';
import type { LoadResult, Problem } from '../types.ts';
import { loadTree, posOf } from '../test-tree.ts';

const withCode = (result: LoadResult, code: string): Problem[] => result.problems.filter((p) => p.code === code);

const P = 'profiles/auction.yaml';
const pingPost = (ping: string, extra = '') => `kind: Profile
id: auction
entity: mortgage
name: Auction
strategy: ping-post
auction: { timeout: 800ms, minBid: 5, margin: 0.2 }
${extra}partners:
  - partner: acme
    priority: 10
    ping:
${ping}
`;

const at = (text: string, target: string) => {
  const { line, col } = posOf(text, target);
  return `${line}:${col}`;
};

describe('ping-post checks', () => {
  it('accepts a ping-post profile whose pings carry known, unencrypted fields', async () => {
    const text = pingPost('      url: https://ping.acme.example/bid\n      fields: [state, zip, address.postcode]\n      timeout: 500ms\n      signingSecret: ${ACME_SIGNING_SECRET}');
    const result = await loadTree({ [P]: text });
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('refuses an encrypted field in a ping, at its file:line:col', async () => {
    const text = pingPost('      url: https://ping.acme.example/bid\n      fields: [state, ssn]');
    const result = await loadTree({ [P]: text });
    expect(result.ok).toBe(false);
    const [p] = withCode(result, 'PING_FIELD_ENCRYPTED');
    expect(`${p.file}:${p.line}:${p.col}`).toBe(`p/${P}:${at(text, 'ssn')}`);
    expect(p.message).toMatch(/encrypted/);
  });

  it('refuses an unknown field in a ping, with a suggestion', async () => {
    const text = pingPost('      url: https://ping.acme.example/bid\n      fields: [stat]');
    const result = await loadTree({ [P]: text });
    expect(result.ok).toBe(false);
    const [p] = withCode(result, 'PING_FIELD_UNKNOWN');
    expect(`${p.line}:${p.col}`).toBe(at(text, 'stat]'));
    expect(p.hint).toMatch(/state/);
  });

  it("checks a partner's ping for every ping-post profile that uses it", async () => {
    const partner = `kind: Partner
id: zen
name: Zen
ping: { url: "https://ping.zen.example/bid", fields: [ssn], headers: { Authorization: "Bearer abc" } }
delivery: { webhook: { url: https://zen.example/leads } }
`;
    const text = pingPost('      url: https://ping.acme.example/bid\n      fields: [state]').replace('partners:\n', 'partners:\n  - partner: zen\n');
    const result = await loadTree({ 'zen.yaml': partner, [P]: text });
    expect(withCode(result, 'PING_FIELD_ENCRYPTED').map((p) => p.file)).toEqual(['p/zen.yaml']);
    expect(withCode(result, 'LITERAL_SECRET').map((p) => p.file)).toEqual(['p/zen.yaml']);
  });

  it('refuses plain http to another host and a bad timeout, and warns about partners that can never bid', async () => {
    const text = pingPost('      url: http://ping.acme.example/bid\n      fields: [state]\n      timeout: 5x').replace('partners:\n', 'partners:\n  - partner: northwind\n');
    const result = await loadTree({ [P]: text });
    expect(result.problems.map((p) => p.code)).toEqual(expect.arrayContaining(['INSECURE_URL', 'PING_MISSING']));
    expect(result.problems.some((p) => p.code.startsWith('SCHEMA_PATTERN') || p.code === 'INVALID_DURATION')).toBe(true);
    const [missing] = withCode(result, 'PING_MISSING');
    expect(missing.severity).toBe('warning');
    expect(`${missing.line}:${missing.col}`).toBe(at(text, 'northwind'));
  });

  it('warns about an auction on a profile that is not ping-post', async () => {
    const text = `kind: Profile
id: fm
entity: mortgage
name: FM
auction: { minBid: 5 }
partners:
  - partner: acme
`;
    const result = await loadTree({ [P]: text });
    expect(result.ok).toBe(true);
    expect(withCode(result, 'AUCTION_UNUSED').map((p) => `${p.line}:${p.col}`)).toEqual([at(text, '{ minBid')]);
  });
});
