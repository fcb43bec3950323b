// `${NAME}` references to the router's own settings. A partner or profile may reference any
// variable of its own (tokens, signing secrets, hosts), but never one the router reads: a
// `${ADMIN_API_KEY}` header or a `${REDIS_URL}` in a URL would send the router's secrets to a
// partner. Every string of every Partner and Profile is looked at, so a reference is refused
// wherever a profile may hold one (webhook url, headers, signingSecret, email settings, …).
import { isRouterSetting } from '../../env-vars.ts';
import { problem } from '../problems.ts';
import type { Problem, SourceDoc } from '../types.ts';
import { docsOf, ENV_REF, isObj, pathOf, type LazyPath } from './shared.ts';

/** ROUTER_SETTING_REFERENCE, at the string that holds the reference (each name once per string). */
export function checkRouterSettingRefs(docs: readonly SourceDoc[]): Problem[] {
  const problems: Problem[] = [];
  for (const doc of [...docsOf(docs, 'Partner'), ...docsOf(docs, 'Profile')]) {
    forEachString(doc.value, { base: [] }, (text, path) => {
      if (!text.includes('${')) return;
      const names = new Set<string>();
      for (const m of text.matchAll(ENV_REF)) names.add(m[0].slice(2, -1));
      for (const name of names) {
        if (!isRouterSetting(name)) continue;
        problems.push(
          problem('ROUTER_SETTING_REFERENCE', doc.pos(pathOf(path)), `\${${name}} is one of the router's own settings; a profile may never send it to a partner`, "reference a variable of the partner's own instead, e.g. ${ACME_TOKEN}"),
        );
      }
    });
  }
  return problems;
}

/** Every string under `value`; its path is built only when asked for (pathOf): few strings hold a reference. */
function forEachString(value: unknown, path: LazyPath, visit: (s: string, path: LazyPath) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) forEachString(value[i], { parent: path, seg: i }, visit);
  else if (isObj(value)) for (const k in value) if (Object.hasOwn(value, k)) forEachString(value[k], { parent: path, seg: k }, visit);
}
