// Leads and deliveries per minute as an inline SVG bar chart (no script, no external file).
import type { MinuteActivity } from '../leads/store.ts';

const W = 720;
const H = 180;
const PAD = { left: 36, right: 10, top: 10, bottom: 22 };

const SERIES: { key: 'leads' | 'delivered' | 'failed'; label: string; color: string }[] = [
  { key: 'leads', label: 'leads received', color: '#0b5cad' },
  { key: 'delivered', label: 'deliveries accepted', color: '#116329' },
  { key: 'failed', label: 'attempts not accepted', color: '#a40e26' },
];

export function ActivityChart(props: { minutes: MinuteActivity[] }) {
  const m = props.minutes;
  const max = Math.max(1, ...m.flatMap((x) => [x.leads, x.delivered, x.failed]));
  // Grouped bars: per minute one bar for each series, side by side (lines would hide each other).
  const slot = (W - PAD.left - PAD.right) / Math.max(1, m.length);
  const bar = Math.max(1, (slot - 1) / SERIES.length);
  const y = (v: number) => H - PAD.bottom - (v * (H - PAD.top - PAD.bottom)) / max;
  const total = (k: 'leads' | 'delivered' | 'failed') => m.reduce((s, e) => s + e[k], 0);
  const summary = `Last ${m.length} minutes: ${total('leads')} leads received, ${total('delivered')} deliveries accepted, ${total('failed')} attempts not accepted; at most ${max} in one minute.`;
  const hhmm = (iso: string) => iso.slice(11, 16);
  return (
    <figure style="margin:0">
      <svg class="chart" viewBox={`0 0 ${W} ${H}`} width="100%" style={`max-width:${W}px`} role="img" aria-labelledby="chart-title chart-desc">
        <title id="chart-title">Leads and deliveries per minute</title>
        <desc id="chart-desc">{summary}</desc>
        <line x1={PAD.left} y1={H - PAD.bottom} x2={W - PAD.right} y2={H - PAD.bottom} stroke="#d0d7de" />
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={H - PAD.bottom} stroke="#d0d7de" />
        <text x={PAD.left - 4} y={PAD.top + 8} text-anchor="end">{max}</text>
        <text x={PAD.left - 4} y={H - PAD.bottom} text-anchor="end">0</text>
        {m.length > 0 && <text x={PAD.left} y={H - 6}>{hhmm(m[0].minute)}</text>}
        {m.length > 0 && <text x={W - PAD.right} y={H - 6} text-anchor="end">{`${hhmm(m[m.length - 1].minute)} UTC`}</text>}
        {m.flatMap((e, i) => SERIES.filter((sr) => e[sr.key] > 0).map((sr) => {
          const k = SERIES.indexOf(sr);
          const top = y(e[sr.key]);
          return <rect x={(PAD.left + i * slot + k * bar).toFixed(1)} y={top.toFixed(1)} width={bar.toFixed(1)} height={(H - PAD.bottom - top).toFixed(1)} fill={sr.color} />;
        }))}
      </svg>
      <figcaption class="legend">
        {SERIES.map((s) => (
          <span><span class="sw" style={`background:${s.color}`} aria-hidden="true"></span>{`${s.label}: ${total(s.key)}`}</span>
        ))}
      </figcaption>
    </figure>
  );
}
