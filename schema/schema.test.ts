// Schema fixtures: every document under test/positive must pass, every file under test/negative
// must fail with the ajv keyword at the instance path its first line names:
//   # expect: <keyword> at <instancePath>      (`/` is the document itself)
// Each document is checked against the schema its `# yaml-language-server: $schema=` line names
// (else leadroute.schema.json); positives are also checked against their kind's own schema.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020Module from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const schemaFiles = readdirSync(here).filter((f) => f.endsWith('.schema.json')).sort();
const schemas = new Map<string, Record<string, unknown>>(
  schemaFiles.map((f) => [f, JSON.parse(readFileSync(join(here, f), 'utf8')) as Record<string, unknown>]),
);

// ajv is CommonJS: under NodeNext typing the default import is the module, whose `default` is the class.
const Ajv2020 = Ajv2020Module.default;
const ajv = new Ajv2020({ strict: true, allErrors: true });
for (const schema of schemas.values()) ajv.addSchema(schema);

function validatorFor(schemaPath: string): ValidateFunction {
  const file = basename(schemaPath);
  expect(resolve(schemaPath), `$schema path ${schemaPath}`).toBe(join(here, file));
  const id = schemas.get(file)?.$id;
  expect(id, `schema ${file}`).toBeTypeOf('string');
  const validate = ajv.getSchema(id as string);
  if (!validate) throw new Error(`schema ${file} did not compile`);
  return validate;
}

const KIND_SCHEMA: Record<string, string> = {
  Entity: 'entity.schema.json',
  Partner: 'partner.schema.json',
  Profile: 'profile.schema.json',
  RoutingTest: 'routing-test.schema.json',
};

/** The schema a YAML file points at with its modeline, resolved against the file's folder. */
function modelineSchema(file: string, text: string): string | undefined {
  const m = /^#\s*yaml-language-server:\s*\$schema=(\S+)/m.exec(text);
  return m ? resolve(dirname(file), m[1]) : undefined;
}

function parseDocs(file: string, text: string): unknown[] {
  return parseAllDocuments(text).map((doc) => {
    expect(doc.errors, `${file}: YAML errors`).toEqual([]);
    return doc.toJS();
  });
}

function fixtures(folder: string): string[] {
  const dir = join(here, 'test', folder);
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(dir, f));
}

const show = (errors: readonly ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => `${e.keyword} at ${e.instancePath || '/'}: ${e.message}`).join('\n');

describe('schemas', () => {
  it('all compile in ajv strict mode, each with its $id', () => {
    expect(schemaFiles).toEqual([
      'common.schema.json', 'entity.schema.json', 'leadroute.schema.json', 'partner.schema.json',
      'profile.schema.json', 'routing-test.schema.json', 'rules.schema.json',
    ]);
    for (const [file, schema] of schemas) {
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.$id).toBe(`https://leadroute.dev/schema/v1/${file}`);
      validatorFor(join(here, file));
    }
  });

  // Editors show these on hover; a closed object keeps typos from passing silently.
  it('describe every property and close every object with fixed properties', () => {
    const missing: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}/${i}`));
      if (typeof node !== 'object' || node === null) return;
      const obj = node as Record<string, unknown>;
      const props = obj.properties as Record<string, unknown> | undefined;
      // Objects with fixed properties, except constraint-only subschemas (an `if` naming the key it
      // tests, a oneOf branch, a dependentSchemas entry): the object they constrain describes them.
      const constraintOnly = /\/(if|oneOf\/\d+|anyOf\/\d+|dependentSchemas\/[^/]+)$/.test(path);
      if (props && !constraintOnly) {
        if (obj.additionalProperties !== false && !('kind' in props && obj.allOf)) missing.push(`${path}: additionalProperties`);
        for (const [key, sub] of Object.entries(props)) {
          if (typeof (sub as { description?: unknown }).description !== 'string') missing.push(`${path}/properties/${key}: description`);
        }
      }
      for (const [key, sub] of Object.entries(obj)) walk(sub, `${path}/${key}`);
    };
    for (const [file, schema] of schemas) walk(schema, file + '#');
    expect(missing).toEqual([]);
  });

  it('set the documented defaults', () => {
    const props = (file: string, def?: string) => {
      const s = schemas.get(file) as { properties: Record<string, { default?: unknown }>; $defs: Record<string, { properties: Record<string, { default?: unknown }> }> };
      return def ? s.$defs[def].properties : s.properties;
    };
    expect(props('partner.schema.json').active.default).toBe(true);
    expect(props('profile.schema.json').enabled.default).toBe(true);
    expect(props('profile.schema.json').strategy.default).toBe('first-match');
    expect(props('profile.schema.json').rules.default).toEqual([]);
    expect(props('profile.schema.json', 'assignment').priority.default).toBe(0);
    expect(props('profile.schema.json', 'assignment').active.default).toBe(true);
  });
});

describe('positive fixtures', () => {
  const files = fixtures('positive');
  it('exist, one at least for every kind', () => {
    const kinds = new Set(files.flatMap((f) => parseDocs(f, readFileSync(f, 'utf8')).map((d) => (d as { kind?: string }).kind)));
    expect([...kinds].sort()).toEqual(['Entity', 'Partner', 'Profile', 'RoutingTest']);
  });

  it.each(files.map((f) => [basename(f), f]))('%s passes', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const docs = parseDocs(file, text);
    expect(docs.length).toBeGreaterThan(0);
    const named = modelineSchema(file, text);
    docs.forEach((doc, i) => {
      const kind = (doc as { kind?: string }).kind ?? '';
      const paths = [named ?? join(here, 'leadroute.schema.json'), join(here, KIND_SCHEMA[kind] ?? 'missing-kind')];
      for (const path of new Set(paths)) {
        const validate = validatorFor(path);
        const ok = validate(structuredClone(doc));
        expect(ok, `${basename(file)} document ${i} against ${basename(path)}:\n${show(validate.errors)}`).toBe(true);
      }
    });
  });
});

describe('negative fixtures', () => {
  const files = fixtures('negative');
  it('exist', () => expect(files.length).toBeGreaterThanOrEqual(20));

  it.each(files.map((f) => [basename(f), f]))('%s fails as expected', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const m = /^# expect: (\w+) at (\/\S*)\n/.exec(text);
    if (!m) throw new Error(`${basename(file)} must start with "# expect: <keyword> at <instancePath>"`);
    const keyword = m[1];
    const at = m[2] === '/' ? '' : m[2];
    const docs = parseDocs(file, text);
    expect(docs, 'a negative fixture holds one document').toHaveLength(1);
    const validate = validatorFor(modelineSchema(file, text) ?? join(here, 'leadroute.schema.json'));
    expect(validate(docs[0]), `${basename(file)} passed`).toBe(false);
    const errors = validate.errors ?? [];
    const found = errors.some((e) => e.keyword === keyword && e.instancePath === at);
    expect(found, `expected ${keyword} at ${m[2]}, got:\n${show(errors)}`).toBe(true);
    // One problem per fixture: every error sits on the expected node, above it or inside it.
    const related = (p: string) => p === at || at.startsWith(`${p}/`) || p.startsWith(`${at}/`) || p === '';
    expect(errors.filter((e) => !related(e.instancePath)).map((e) => `${e.keyword} at ${e.instancePath}`)).toEqual([]);
  });
});

// The example profiles are what users copy: they must pass the schema their modeline names.
describe('profiles/ examples', () => {
  const root = resolve(here, '..', 'profiles');
  const files = (readdirSync(root, { recursive: true }) as string[])
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(root, f));

  it.each(files.map((f) => [f.slice(root.length + 1), f]))('%s passes its $schema', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0], 'the first line names the schema').toMatch(/^# yaml-language-server: \$schema=\S+$/);
    const named = modelineSchema(file, text) as string;
    const docs = parseDocs(file, text);
    expect(docs.length).toBeGreaterThan(0);
    docs.forEach((doc, i) => {
      const kind = (doc as { kind?: string }).kind ?? '';
      if (basename(named) !== 'leadroute.schema.json') expect(basename(named), `document ${i}`).toBe(KIND_SCHEMA[kind]);
      const validate = validatorFor(named);
      expect(validate(structuredClone(doc)), `${file} document ${i}:\n${show(validate.errors)}`).toBe(true);
    });
  });
});
