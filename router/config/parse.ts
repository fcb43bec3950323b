// One YAML file -> its documents with source positions, or problems. Pure: text in, docs out.
// Anything that cannot be read as a document of a known kind is a problem, never silently dropped.
import { isMap, LineCounter, parseAllDocuments, type Node, type YAMLError } from 'yaml';
import { problem } from './problems.ts';
import { locatedDoc, type LocatedDoc, type NodeLocator } from './source.ts';
import { didYouMean } from './suggest.ts';
import { readYamlValues } from './yaml-values.ts';
import type { Kind, Problem, SourcePos } from './types.ts';

const KINDS: readonly Kind[] = ['Entity', 'Partner', 'Profile', 'RoutingTest'];

export interface ParsedFile {
  docs: LocatedDoc[];
  problems: Problem[];
}

const isKindMap = (v: unknown) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && (KINDS as readonly unknown[]).includes((v as Record<string, unknown>).kind);

/** Parses every document of `text`; `file` is the path shown in problems. */
export function parseYamlFile(file: string, text: string): ParsedFile {
  // Fast path: js-yaml reads the values of a file whose every document has a known kind.
  // Positions come from `yaml`, parsed once per file on the first position asked for (usually
  // never, or for a problem). Anything else (an error, an empty document) goes to `yaml`.
  const fast = readYamlValues(text);
  if (fast !== null && fast.length > 0 && fast.every(isKindMap)) {
    let locators: NodeLocator[] | undefined;
    const locate = (i: number) => () => {
      if (locators === undefined) {
        const lineCounter = new LineCounter();
        const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
        const list = Array.isArray(parsed) ? parsed : [];
        locators = list.map((doc) => ({ root: (doc.contents as Node | null) ?? null, lineCounter, startOffset: doc.range[0] }));
      }
      return locators[i] ?? { root: null, lineCounter: new LineCounter(), startOffset: 0 };
    };
    const docs = fast.map((value, i) => locatedDoc((value as { kind: Kind }).kind, value, file, locate(i)));
    return { docs, problems: [] };
  }
  return parseYamlFileSlowly(file, text);
}

/** The `yaml` package's full parse: every error and warning, with its position. */
function parseYamlFileSlowly(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const docs: LocatedDoc[] = [];
  const problems: Problem[] = [];
  const posAt = (offset: number): SourcePos => ({ file, ...lineCounter.linePos(offset) });

  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (!Array.isArray(parsed) || parsed.length === 0) {
    problems.push(problem('EMPTY_FILE', posAt(0), 'the file holds no YAML document'));
    return { docs, problems };
  }

  for (const doc of parsed) {
    for (const warning of doc.warnings) problems.push(yamlProblem(warning, posAt, 'YAML_WARNING'));
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        problems.push(yamlProblem(error, posAt, error.code === 'DUPLICATE_KEY' ? 'YAML_DUPLICATE_KEY' : 'YAML_SYNTAX'));
      }
      continue; // a document with a syntax error is never used, not even partly
    }
    const root = (doc.contents as Node | null) ?? null;
    const startOffset = doc.range[0];
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      problems.push(problem('YAML_SYNTAX', posAt(startOffset), (err as Error).message));
      continue;
    }
    const at = (offset: number | undefined) => posAt(offset ?? startOffset);
    if (value === null || value === undefined) {
      // Point at the document's `---` when it has one (the contents' offset is past it).
      const contentsAt = root?.range?.[0] ?? startOffset;
      const marker = text.lastIndexOf('---', contentsAt);
      const markerAt = marker >= 0 && (marker === 0 || text[marker - 1] === '\n') ? marker : contentsAt;
      problems.push(problem('EMPTY_DOCUMENT', at(markerAt), 'empty document', 'remove the stray `---` or fill the document in'));
      continue;
    }
    if (!isMap(root) || typeof value !== 'object' || Array.isArray(value)) {
      problems.push(problem('NOT_A_MAPPING', at(root?.range?.[0]), 'a document must be a mapping with a `kind` (Entity, Partner, Profile or RoutingTest)'));
      continue;
    }
    const kind = (value as Record<string, unknown>).kind;
    const probe = locatedDoc('Entity', value, file, { root, lineCounter, startOffset });
    if (kind === undefined) {
      problems.push(problem('MISSING_KIND', probe.pos([]), 'document has no `kind`', `add kind: ${KINDS.join(' | ')}`));
      continue;
    }
    if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
      problems.push(
        problem(
          'UNKNOWN_KIND',
          probe.pos(['kind']),
          // eslint-disable-next-line @typescript-eslint/no-base-to-string -- any YAML value; a map reads [object Object], still not a kind
          `unknown kind '${String(kind)}': expected one of ${KINDS.join(', ')}`,
          typeof kind === 'string' ? didYouMean(kind, KINDS) : undefined,
        ),
      );
      continue;
    }
    docs.push(locatedDoc(kind as Kind, value, file, { root, lineCounter, startOffset }));
  }
  return { docs, problems };
}

function yamlProblem(
  error: YAMLError,
  posAt: (offset: number) => SourcePos,
  code: 'YAML_SYNTAX' | 'YAML_DUPLICATE_KEY' | 'YAML_WARNING',
): Problem {
  // yaml's messages end with " at line L, column C:" plus a source excerpt when prettified; we
  // asked for plain messages and give the position ourselves.
  const message = error.message.split('\n')[0].replace(/\s+at line \d+, column \d+:?$/, '');
  return problem(code, posAt(error.pos[0]), message);
}
