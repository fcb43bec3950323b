// Routing decides, delivery acts: routing must not depend on the delivery side (the job type and
// `${ENV}` resolution it needs live in router/delivery-job.ts and router/env-refs.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dir = new URL('.', import.meta.url);
const IMPORT = /^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm;

describe('router/routing imports', () => {
  it('import nothing from router/delivery', () => {
    const offending: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      for (const m of text.matchAll(IMPORT)) if (/(^|\/)delivery\//.test(m[1])) offending.push(`${file}: ${m[1]}`);
    }
    expect(offending).toEqual([]);
  });
});
