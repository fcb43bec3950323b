// The JSON Schemas in schema/, compiled once per process: every *.schema.json is added (the
// per-kind schemas reference common and rules by $id), and leadroute.schema.json, which picks
// the per-kind schema by `kind`, validates each document. Validation applies the schemas'
// defaults to the document in place.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const SCHEMA_DIR = fileURLToPath(new URL('../../schema/', import.meta.url));
const ROOT_SCHEMA_FILE = 'leadroute.schema.json';

// ajv-formats is CommonJS; under ESM its function may sit on `.default`.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => void;

let cached: ValidateFunction | undefined;

/** The compiled validator for any leadroute document (compiled on first use, then reused). */
function documentValidator(): ValidateFunction {
  if (cached) return cached;
  // code.optimize off: a third less compile time (it runs in every cold start), no measurable
  // cost per document (bench/config-scale.ts).
  const ajv = new Ajv2020({ allErrors: true, useDefaults: true, verbose: true, strict: true, code: { optimize: false } });
  addFormats(ajv);
  let rootId: string | undefined;
  for (const name of readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.schema.json')).sort()) {
    const schema = JSON.parse(readFileSync(`${SCHEMA_DIR}${name}`, 'utf8')) as { $id?: string };
    ajv.addSchema(schema);
    if (name === ROOT_SCHEMA_FILE) rootId = schema.$id;
  }
  if (rootId === undefined) throw new Error(`${SCHEMA_DIR}${ROOT_SCHEMA_FILE} is missing or has no $id`);
  const validate = ajv.getSchema(rootId);
  if (validate === undefined) throw new Error(`cannot compile ${ROOT_SCHEMA_FILE}`);
  cached = validate;
  return validate;
}

/** Validates one document (filling in defaults) and returns ajv's errors (empty when valid). */
export function validateAgainstSchema(value: unknown): ErrorObject[] {
  const validate = documentValidator();
  return validate(value) ? [] : [...(validate.errors ?? [])];
}
