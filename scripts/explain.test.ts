import { execFile } from 'node:child_process';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from './explain.ts';
import { capture, EAST, ENTITY, PARTNERS, writeTree, type Tree } from './lib/test-helpers.ts';

let tree: Tree | undefined;
afterEach(async () => {
  await tree?.cleanup();
  tree = undefined;
});

async function setup(lead: unknown) {
  tree = await writeTree({
    'profiles/entity.yaml': ENTITY,
    'profiles/partners.yaml': PARTNERS,
    'profiles/east.yaml': EAST,
    'lead.json': typeof lead === 'string' ? lead : JSON.stringify(lead),
  });
  return { dir: tree.file('profiles'), lead: tree.file('lead.json') };
}

describe('npm run explain', () => {
  it('prints the decision trace, the same messages as the HTTP explain', async () => {
    const { dir, lead } = await setup({ email: 'a@example.com', state: 'NY', zip: '20001' });
    const io = capture();
    expect(await main(['--entity', 'mortgage', lead, dir], io, {})).toBe(0);
    expect(io.stdout).toEqual([
      'mortgage lead routed to east/northwind',
      '  profile east matched',
      '    acme skipped: zip "20001" does not start with "1" (at partners[0].rules[0])',
      '    northwind selected (priority 5)',
    ]);
  });

  it('exits 0 for an unmatched lead and says why', async () => {
    const { dir, lead } = await setup({ email: 'a@example.com', state: 'TX' });
    const io = capture();
    expect(await main(['--entity', 'mortgage', lead, dir], io, {})).toBe(0);
    expect(io.stdout[0]).toBe('mortgage lead unmatched: no partner gets it');
    expect(io.stdout[1]).toBe('  profile east skipped: state "TX" is not in [NY, NJ] (at rules[0])');
  });

  it('--json prints the HTTP explain body', async () => {
    const { dir, lead } = await setup({ email: 'a@example.com', state: 'NY', zip: '10001' });
    const io = capture();
    expect(await main(['--entity', 'mortgage', '--json', lead, dir], io, {})).toBe(0);
    const body = JSON.parse(io.stdout.join('\n'));
    expect(body).toMatchObject({ entity: 'mortgage', status: 'routed', routes: [{ profile: 'east', partner: 'acme', priority: 10 }] });
    expect(body.routes[0].deliveryId).toBeUndefined();
    expect(body.trace[0].partners[0]).toMatchObject({ partner: 'acme', outcome: 'selected', message: 'acme selected (priority 10)' });
  });

  it('never touches caps: a dry run sees no usage and counts none', async () => {
    const { dir, lead } = await setup({ email: 'a@example.com', state: 'NY', zip: '10001' });
    for (let i = 0; i < 3; i++) {
      const io = capture();
      await main(['--entity', 'mortgage', lead, dir], io, {});
      expect(io.stdout[0]).toBe('mortgage lead routed to east/acme');
    }
  });

  it('reads the lead from stdin with -, DIR from PROFILES_DIR', async () => {
    const { dir } = await setup({});
    const io = capture();
    const stdin = Readable.from([JSON.stringify({ email: 'a@example.com', state: 'NJ', zip: '1' })]);
    expect(await main(['--entity', 'mortgage', '-'], io, { PROFILES_DIR: dir }, stdin)).toBe(0);
    expect(io.stdout[0]).toBe('mortgage lead routed to east/acme');
  });

  it('names on stderr the fields the entity does not define: the router drops them, the trace never sees them', async () => {
    const { dir, lead } = await setup({ email: 'a@example.com', state: 'NY', zipp: '10001', extra: { a: 1 } });
    const io = capture();
    expect(await main(['--entity', 'mortgage', lead, dir], io, {})).toBe(0);
    expect(io.stdout[0]).toBe('mortgage lead routed to east/northwind');
    expect(io.stderr).toEqual(['note: zipp, extra are not fields of mortgage: the router drops them, so this trace ignores them (a typo?)']);
  });

  it('says when the file holds a samples line ({"entity", "lead"}) rather than a lead', async () => {
    const { dir, lead } = await setup({ entity: 'mortgage', lead: { email: 'a@example.com', state: 'NY' } });
    const io = capture();
    expect(await main(['--entity', 'mortgage', lead, dir], io, {})).toBe(1);
    expect(io.stderr[0]).toBe('note: entity, lead are not fields of mortgage: the router drops them, so this trace ignores them (a samples line? pass the lead object alone)');
  });

  it('exits 1 for a lead the entity refuses, with every field error and no encrypted value', async () => {
    const { dir, lead } = await setup({ state: 5, ssn: '123-45-6789', zipp: '1' });
    const io = capture();
    expect(await main(['--entity', 'mortgage', lead, dir], io, {})).toBe(1);
    const err = io.stderr.join('\n');
    expect(err).toContain('not a valid mortgage lead (the router would answer 422):');
    expect(err).toContain('email: email is required');
    // zipp is not a field error (the router drops it), only named in the note.
    expect(err).not.toMatch(/^ +zipp:/m);
    expect(io.stderr[0]).toMatch(/^note: zipp is not a field of mortgage/);
    expect(err).toMatch(/state: .*string/);
    expect(io.text()).not.toContain('123-45-6789');
  });

  it('exits 2 on usage errors: no entity, unknown entity, no file, bad JSON, a tree that does not load', async () => {
    const { dir, lead } = await setup('{"email": ');
    const cases: string[][] = [[lead, dir], ['--entity', 'mortgage'], ['--entity', 'solar', lead, dir], ['--entity', 'mortgage', lead, dir], ['--entity', 'mortgage', '/nonexistent.json', dir], ['--entity', 'mortgage', lead, dir, 'extra']];
    for (const args of cases) {
      const io = capture();
      expect(await main(args, io, {}), args.join(' ')).toBe(2);
      expect(io.stderr.length).toBeGreaterThan(0);
    }
  });

  it('runs as a command on the example profiles', async () => {
    const { lead } = await setup({
      email: 'ana@example.com', firstName: 'Ana', lastName: 'Silva', state: 'CA', loanPurpose: 'Purchase',
      propertyType: 'SingleFamily', loanAmount: 890000, creditScore: 760, status: 'New', address: { postcode: '90026' },
    });
    const { stdout } = await promisify(execFile)(path.resolve('node_modules/.bin/tsx'), ['scripts/explain.ts', '--entity', 'mortgage', lead, 'profiles']);
    expect(stdout.split('\n')[0]).toBe('mortgage lead routed to residential-west/acme');
    expect(stdout).toContain('    acme selected (priority 10)');
  });

  it('simulates ping-post bids from --bids, with no network, and says whom it would ping without', async () => {
    const auction = `kind: Profile
id: auction
entity: mortgage
name: Auction
strategy: ping-post
auction: { minBid: 5 }
partners:
  - { partner: acme, priority: 10, ping: { url: "https://ping.acme.example/bid", fields: [state] } }
  - { partner: northwind, priority: 5, ping: { url: "https://ping.northwind.example/bid", fields: [state] } }
`;
    tree = await writeTree({
      'profiles/entity.yaml': ENTITY,
      'profiles/partners.yaml': PARTNERS,
      'profiles/auction.yaml': auction,
      'lead.json': JSON.stringify({ email: 'a@example.com', state: 'NY' }),
      'bids.json': JSON.stringify({ acme: 4, northwind: 7.5 }),
      'bad-bids.json': JSON.stringify({ acme: 'lots' }),
    });
    const [dir, lead] = [tree.file('profiles'), tree.file('lead.json')];
    const io = capture();
    expect(await main(['--entity', 'mortgage', lead, dir, '--bids', tree.file('bids.json')], io, {})).toBe(0);
    expect(io.stdout).toEqual([
      'mortgage lead routed to auction/northwind',
      '  profile auction matched; auction won by northwind at 7.5',
      '    acme bid 4: below the minimum bid 5',
      '    northwind selected: bid 7.5, the highest (priority 5)',
    ]);
    const none = capture();
    expect(await main(['--entity', 'mortgage', lead, dir], none, {})).toBe(0);
    expect(none.stdout).toContain('    acme no bid: not pinged: a dry run sends nothing');
    const bad = capture();
    expect(await main(['--entity', 'mortgage', lead, dir, '--bids', tree.file('bad-bids.json')], bad, {})).toBe(2);
    expect(bad.stderr.join('\n')).toMatch(/not a bids file/);
  });
});
