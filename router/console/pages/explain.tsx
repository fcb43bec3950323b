// Explain: pick an entity, paste a lead as JSON, see the routing decision and its trace (a dry
// run: no cap is counted, nothing is recorded or delivered).
// formatOutcome reads only each route's profile and partner, which the explain JSON keeps.
import { formatOutcome, type ExplainJson } from '../../lint/format-trace.ts';
import type { Route } from '../../routing/types.ts';
import { Layout, Note } from '../layout.tsx';
import { Trace } from './trace.tsx';

export interface ExplainView {
  entities: string[];
  entity?: string;
  lead?: string;
  result?: ExplainJson;
  error?: { message: string; fields?: { field?: string; message?: string }[] };
}

export function ExplainPage(props: { csrf: string; view: ExplainView }) {
  const v = props.view;
  return (
    <Layout title="Explain" section="explain" csrf={props.csrf}>
      <form method="post" action="/console/explain">
        <input type="hidden" name="csrf" value={props.csrf} />
        <p>
          <label for="entity">Entity</label>{' '}
          <select id="entity" name="entity" required>
            {v.entities.map((e) => <option value={e} selected={e === v.entity}>{e}</option>)}
          </select>
        </p>
        <p>
          <label for="lead">Lead (JSON object of the entity's fields)</label><br />
          <textarea id="lead" name="lead" spellcheck={false} required>{v.lead ?? '{\n  \n}'}</textarea>
        </p>
        <button type="submit">Explain</button>
      </form>
      {v.error && (
        <Note bad>
          {v.error.message}
          {v.error.fields && v.error.fields.length > 0 && (
            <ul>{v.error.fields.map((f) => <li><code>{f.field ?? ''}</code> {f.message ?? ''}</li>)}</ul>
          )}
        </Note>
      )}
      {v.result && (
        <section aria-labelledby="decision">
          <h2 id="decision">{formatOutcome({ ...v.result, routes: v.result.routes as Route[] })}</h2>
          {v.result.routes.length > 0 && (
            <table>
              <thead><tr><th scope="col">Profile</th><th scope="col">Partner</th><th scope="col">Priority</th><th scope="col">Price</th></tr></thead>
              <tbody>{v.result.routes.map((r) => <tr><td>{r.profile}</td><td>{r.partner}</td><td>{r.priority}</td><td>{r.price ?? '—'}</td></tr>)}</tbody>
            </table>
          )}
          <h2>Trace</h2>
          <Trace trace={v.result.trace} />
        </section>
      )}
    </Layout>
  );
}
