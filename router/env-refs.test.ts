import { describe, expect, it } from 'vitest';
import { resolveEnvRefs } from './env-refs.ts';

describe('resolveEnvRefs', () => {
  it('replaces ${NAME} in every string, deeply, without touching the input', () => {
    const config = {
      webhook: {
        url: 'https://hooks.example/${PATH_PART}/leads',
        headers: { Authorization: 'Bearer ${TOKEN}', 'X-Both': '${A}-${B}' },
        signingSecret: '${SECRET}',
        fields: ['email', '${A}'],
        timeout: '10s',
        accept: { field: 'ok', equals: true },
      },
      attempts: 3,
    };
    const copy = structuredClone(config);
    const { value, missing } = resolveEnvRefs(config, { PATH_PART: 'v2', TOKEN: 't0k', A: 'a', B: 'b', SECRET: 'whsec_abc' });
    expect(missing).toEqual([]);
    expect(value).toEqual({
      webhook: {
        url: 'https://hooks.example/v2/leads',
        headers: { Authorization: 'Bearer t0k', 'X-Both': 'a-b' },
        signingSecret: 'whsec_abc',
        fields: ['email', 'a'],
        timeout: '10s',
        accept: { field: 'ok', equals: true },
      },
      attempts: 3,
    });
    expect(config).toEqual(copy);
  });

  it('reports each missing name once, never a value, and leaves the reference empty', () => {
    const { value, missing } = resolveEnvRefs(
      { a: '${NOPE}', b: ['x${NOPE}y', '${ALSO_MISSING}'], c: '${SET}' },
      { SET: 'value-of-set' },
    );
    expect(missing).toEqual(['NOPE', 'ALSO_MISSING']);
    expect(value).toEqual({ a: '', b: ['xy', ''], c: 'value-of-set' });
  });

  it('keeps strings that are not references, and an empty value counts as set', () => {
    const { value, missing } = resolveEnvRefs({ a: '$HOME ${ not-a-name } ${1X} {{field}}', b: '${EMPTY}' }, { HOME: '/root', EMPTY: '' });
    expect(missing).toEqual([]);
    expect(value).toEqual({ a: '$HOME ${ not-a-name } ${1X} {{field}}', b: '' });
  });

  it('returns the same object when nothing changes', () => {
    const config = { url: 'https://x.example', n: 1, list: ['a'] };
    expect(resolveEnvRefs(config, {}).value).toBe(config);
  });
});
