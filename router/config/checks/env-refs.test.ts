// No profile may reference a variable the router itself reads: wherever `${NAME}` is allowed
// (webhook url, headers, signingSecret, email settings, assignment overrides), such a name is an
// error at its own line:col.
import { describe, expect, it } from 'vitest';
import { PARTNERS, PROFILE, loadTree, posOf } from '../test-tree.ts';
import type { LoadResult } from '../types.ts';

const codes = (r: LoadResult) => r.problems.map((p) => p.code);
const partners = (from: string, to: string) => {
  if (!PARTNERS.includes(from)) throw new Error(`partners has no ${from}`);
  return PARTNERS.replace(from, to);
};
const header = (value: string) => partners('"Bearer ${ACME_TOKEN}" }', `"Bearer \${ACME_TOKEN}", X-Extra: "${value}" }`);

describe('references to the router\'s own settings', () => {
  it('refuses every variable the router reads, in a header', async () => {
    for (const name of [
      'ADMIN_API_KEY', 'LEAD_API_KEYS', 'REDIS_URL', 'REDIS_PREFIX', 'REDIS_CLUSTER_NODES', 'SMTP_URL', 'SMTP_PASSWORD',
      'FIELD_ENCRYPTION_KEY', 'FIELD_ENCRYPTION_KEY_PREVIOUS', 'DEDUPE_KEY', 'METRICS_API_KEY', 'PROFILES_DIR',
    ]) {
      const text = header(`x-\${${name}}`);
      const result = await loadTree({ 'partners.yaml': text });
      expect(codes(result), name).toEqual(['ROUTER_SETTING_REFERENCE']);
      expect(result.ok).toBe(false);
      expect(result.problems[0]).toMatchObject({ file: 'p/partners.yaml', ...posOf(text, `"x-\${${name}}"`) });
      expect(result.problems[0].message).toContain(`\${${name}}`);
    }
  });

  it('allows partner variables, even ones that share a prefix word with the router\'s', async () => {
    for (const name of ['ACME_TOKEN', 'LEAD_PARTNER_TOKEN', 'ADMIN_PORTAL_TOKEN', 'REDISTRIBUTOR_KEY', 'SMTPISH', 'METRICS_TOKEN']) {
      const result = await loadTree({ 'partners.yaml': header(`\${${name}}`) });
      expect(result.problems, name).toEqual([]);
    }
  });

  it('finds them in the url, signingSecret, email settings and a profile\'s delivery override, one problem each', async () => {
    const text = partners('    url: https://hooks.acme.example/leads', '    url: "https://hooks.acme.example/${REDIS_URL}"\n    signingSecret: ${FIELD_ENCRYPTION_KEY}')
      .replace('    to: [leads@northwind.example]', '    to: [leads@northwind.example, "${SMTP_USER}@x.example"]\n    from: "${SMTP_FROM}"');
    const profile = PROFILE.replace('  - partner: northwind', '  - partner: northwind\n    delivery: { webhook: { url: "https://n.example/${LEAD_API_KEYS}" } }');
    const result = await loadTree({ 'partners.yaml': text, 'profiles/residential.yaml': profile });
    const found = result.problems.filter((p) => p.code === 'ROUTER_SETTING_REFERENCE');
    expect(found.map((p) => [p.file, p.line, p.col])).toEqual([
      ['p/partners.yaml', ...pos(text, '"https://hooks.acme.example/${REDIS_URL}"')],
      ['p/partners.yaml', ...pos(text, '${FIELD_ENCRYPTION_KEY}')],
      ['p/partners.yaml', ...pos(text, '"${SMTP_USER}@x.example"')],
      ['p/partners.yaml', ...pos(text, '"${SMTP_FROM}"')],
      ['p/profiles/residential.yaml', ...pos(profile, '"https://n.example/${LEAD_API_KEYS}"')],
    ]);
    expect(result.ok).toBe(false);
  });

  it('names each one once in a value that references it twice, and says nothing of plain text', async () => {
    const twice = header('${ADMIN_API_KEY}${ADMIN_API_KEY}');
    expect(codes(await loadTree({ 'partners.yaml': twice }))).toEqual(['ROUTER_SETTING_REFERENCE']);
    const both = header('${ADMIN_API_KEY}:${REDIS_URL}');
    const r = await loadTree({ 'partners.yaml': both });
    expect(r.problems.map((p) => p.message)).toEqual([
      expect.stringContaining('${ADMIN_API_KEY}'),
      expect.stringContaining('${REDIS_URL}'),
    ]);
    const plain = partners('name: Acme Mortgage', 'name: Acme ADMIN_API_KEY $ADMIN_API_KEY');
    expect((await loadTree({ 'partners.yaml': plain })).problems).toEqual([]);
  });
});

function pos(text: string, needle: string): [number, number] {
  const { line, col } = posOf(text, needle);
  return [line, col];
}
