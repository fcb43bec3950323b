import { describe, expect, it } from 'vitest';
import { ActivityChart } from './chart.tsx';
import { renderHtml } from './render.ts';

const minute = (i: number) => new Date(Date.UTC(2026, 0, 1, 10, i)).toISOString();

describe('ActivityChart', () => {
  it('draws one bar per non-zero count, the tallest at full height, and says the totals in words', () => {
    const minutes = [0, 1, 2].map((i) => ({ minute: minute(i), leads: i * 2, delivered: i, failed: 0 }));
    const svg = renderHtml(ActivityChart({ minutes }));
    const heights = [...svg.matchAll(/<rect [^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights).toHaveLength(4); // minute 1: leads, delivered; minute 2: leads, delivered
    expect(Math.max(...heights)).toBeCloseTo(148, 0); // 180 - 10 - 22
    expect(svg).toContain('6 leads received, 3 deliveries accepted, 0 attempts not accepted; at most 4 in one minute');
    expect(svg).toContain('role="img"');
  });

  it('draws no bar for an idle hour', () => {
    const svg = renderHtml(ActivityChart({ minutes: [0, 1].map((i) => ({ minute: minute(i), leads: 0, delivered: 0, failed: 0 })) }));
    expect(svg).not.toContain('<rect');
  });
});
