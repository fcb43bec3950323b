// The page frame: inline CSS (the console makes no external request), the navigation, sign-out.
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';

const CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa;--accent:#0b5cad;--ok:#116329;--bad:#a40e26;--warn:#7d4e00}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:#fff}
header{display:flex;align-items:center;gap:1.5rem;padding:.6rem 1.2rem;background:#0d2a47;color:#fff}
header a{color:#fff;text-decoration:none;padding:.25rem .1rem}
header a[aria-current=page]{border-bottom:2px solid #fff}
header .brand{font-weight:700;margin-right:1rem}
header form{margin-left:auto}
main{padding:1rem 1.2rem;max-width:1200px}
h1{font-size:1.4rem;margin:.2rem 0 1rem}
h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--bg);font-weight:600}
a{color:var(--accent)}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.92em}
.cards{display:flex;flex-wrap:wrap;gap:.8rem}
.card{border:1px solid var(--line);border-radius:6px;padding:.6rem .9rem;min-width:11rem}
.card .k{color:var(--muted);font-size:.85em}.card .v{font-size:1.15rem;font-weight:600}
.ok{color:var(--ok)}.bad{color:var(--bad)}.warn{color:var(--warn)}.muted{color:var(--muted)}
.msg{border-left:4px solid var(--accent);background:var(--bg);padding:.5rem .8rem;margin:.6rem 0}
.msg.bad{border-color:var(--bad)}
.bar{position:relative;height:1.1rem;width:16rem;background:#e6eaef;border-radius:3px;overflow:hidden;display:inline-block;vertical-align:middle}
.bar span{position:absolute;left:0;top:0;bottom:0;background:#2f6fb3}
.bar.full span{background:var(--bad)}
form.inline{display:inline}
label{display:inline-block;margin:.2rem .8rem .2rem 0}
input,select,textarea,button{font:inherit}
textarea{width:100%;max-width:48rem;min-height:12rem}
button{background:var(--accent);color:#fff;border:0;border-radius:4px;padding:.35rem .8rem;cursor:pointer}
button.secondary{background:#fff;color:var(--accent);border:1px solid var(--accent)}
ul.trace{list-style:none;padding-left:0}ul.trace ul{list-style:none;padding-left:1.4rem}
ul.trace li{margin:.15rem 0}
.chart text{font-size:10px;fill:var(--muted)}
.legend span{display:inline-block;margin-right:1rem}
.sw{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
.pager{margin:.8rem 0}
`;

export type Section = 'overview' | 'partners' | 'leads' | 'dead-letters' | 'explain';

const NAV: [Section, string, string][] = [
  ['overview', 'Overview', '/console'],
  ['partners', 'Partners', '/console/partners'],
  ['leads', 'Leads', '/console/leads'],
  ['dead-letters', 'Dead letters', '/console/dead-letters'],
  ['explain', 'Explain', '/console/explain'],
];

export function Layout(props: { title: string; section?: Section; csrf?: string; children?: Child }) {
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${props.title} · leadroute console`}</title>
          <style>{raw(CSS)}</style>
        </head>
        <body>
          <header>
            <span class="brand">leadroute</span>
            {props.csrf !== undefined && (
              <nav aria-label="Console">
                {NAV.map(([id, label, href]) => (
                  <a href={href} aria-current={props.section === id ? 'page' : undefined} style="margin-right:1rem">{label}</a>
                ))}
              </nav>
            )}
            {props.csrf !== undefined && (
              <form method="post" action="/console/sign-out">
                <input type="hidden" name="csrf" value={props.csrf} />
                <button type="submit" class="secondary">Sign out</button>
              </form>
            )}
          </header>
          <main>
            <h1>{props.title}</h1>
            {props.children}
          </main>
        </body>
      </html>
    </>
  );
}

/** A message box: `bad` for errors. */
export function Note(props: { bad?: boolean; children?: Child }) {
  return <p class={props.bad ? 'msg bad' : 'msg'} role={props.bad ? 'alert' : 'status'}>{props.children}</p>;
}

export function when(ms: number | string | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(ms);
  return Number.isFinite(d.getTime()) ? d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : String(ms);
}
