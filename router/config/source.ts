// Source positions for parsed YAML documents: a DocPath (keys and list indexes) is walked through
// the yaml AST, and the node's offset becomes a 1-based line:col via the file's LineCounter.
import { isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { DocPath, Kind, SourceDoc, SourcePos } from './types.ts';

/** A SourceDoc that can also point at a map key (for "unknown field" problems). */
export interface LocatedDoc<T = unknown> extends SourceDoc<T> {
  /** Position of the key of the entry at `path` (falls back to pos(path)). */
  keyPos(path: DocPath): SourcePos;
}

interface Found {
  node: Node | null;
  keyNode: Node | null;
}

/** Walks `path` from `root`, stopping at the deepest node that exists. */
function walk(root: Node | null, path: DocPath): { found: Found; complete: boolean } {
  let found: Found = { node: root, keyNode: null };
  for (const seg of path) {
    const node = found.node;
    let next: Found | null = null;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key;
        const keyValue = isScalar(key) ? key.value : key;
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a scalar key, or a complex key node (its YAML text)
        if (keyValue !== null && keyValue !== undefined && String(keyValue) === String(seg)) {
          next = { node: (pair.value as Node | null) ?? null, keyNode: (key as Node | null) ?? null };
          break;
        }
      }
    } else if (isSeq(node)) {
      const index = typeof seg === 'number' ? seg : Number(seg);
      const item = Number.isInteger(index) ? node.items[index] : undefined;
      if (item !== undefined) next = { node: (item as Node | null) ?? null, keyNode: null };
    }
    if (next === null) return { found, complete: false };
    // `key:` with no value has a null node: point at the key instead.
    if (next.node === null) return { found: { node: next.keyNode, keyNode: next.keyNode }, complete: false };
    found = next;
  }
  return { found, complete: true };
}

/** Where a document's nodes are: its yaml AST and the file's line table. */
export interface NodeLocator {
  root: Node | null;
  lineCounter: LineCounter;
  /** Used when the document has no contents. */
  startOffset: number;
}

/**
 * A SourceDoc over one yaml document. `locate` may be a function: documents whose values js-yaml
 * read (yaml-values.ts) have no AST, and build it only when a position is first asked for.
 */
export function locatedDoc<T>(kind: Kind, value: T, file: string, locate: NodeLocator | (() => NodeLocator)): LocatedDoc<T> {
  let located = typeof locate === 'function' ? undefined : locate;
  const locator = () => (located ??= (locate as () => NodeLocator)());
  const at = (node: Node | null): SourcePos => {
    const { lineCounter, startOffset } = locator();
    const offset = node?.range?.[0] ?? startOffset;
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  return {
    kind,
    value,
    file,
    pos(path: DocPath = []) {
      return at(walk(locator().root, path).found.node);
    },
    keyPos(path: DocPath) {
      const { found, complete } = walk(locator().root, path);
      return at(complete && found.keyNode ? found.keyNode : found.node);
    },
  };
}

/** `partners[0].rules[1].field` for messages. Numbers are list indexes. */
export function displayPath(path: DocPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}
