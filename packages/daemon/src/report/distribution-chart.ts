import type { ValueDistribution } from '@vigil/analyzers';
import { linearScale, niceTicks, px } from './chart-scale';
import { formatCount, formatNumber, formatPercent } from './format-number';
import { html, type SafeHtml } from './safe-html';

const WIDTH = 560;
const RIGHT = 14;
const TOP = 34;
const PLOT_H = 190;
const FONT = 11;

/** About this many labelled ticks on the value axis. */
const X_TICKS = 6;

/** Round tick values inside [lo, hi], 1, 2, 2.5 or 5 × 10^k apart. */
function valueTicks(lo: number, hi: number, integers: boolean): number[] {
  const rough = (hi - lo) / X_TICKS;
  if (!(rough > 0) || !Number.isFinite(rough)) return [lo];
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(integers ? 1 : 0, ([1, 2, 2.5, 5, 10].find((m) => m * power >= rough) ?? 10) * power);
  const out: number[] = [];
  for (let k = Math.ceil(lo / step); k * step <= hi + step * 1e-9; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

function shares(counts: number[], outside: number): number[] {
  const total = counts.reduce((a, b) => a + b, 0) + outside;
  return counts.map((c) => (total > 0 ? c / total : 0));
}

/**
 * The shape of a numeric column: reference as filled bars and current as an outlined step (its light fill behind the
 * bars shows where it rises above them) over the same
 * equal-width bins, as shares of each side's values (the samples rarely have the same size). Where the two
 * differ is where the eye goes; the exact shares are in each bin's tooltip.
 */
export function distributionChart(d: ValueDistribution, title: string): SafeHtml {
  const n = d.reference.length;
  const lo = d.edges[0] ?? 0;
  const hi = d.edges[n] ?? 1;
  // One bin per integer (edges at k ± 0.5) labels the integers themselves.
  const integers =
    n > 0 && d.edges.every((e) => Math.abs(e - Math.round(e) - 0.5) < 1e-9 || Math.abs(e - Math.round(e) + 0.5) < 1e-9);
  const ref = shares(d.reference, d.outside.reference);
  const cur = shares(d.current, d.outside.current);
  const yTicks = niceTicks(Math.max(...ref, ...cur, 0), 4);
  const yMax = yTicks[yTicks.length - 1] ?? 1;
  const whole = yTicks.every((t) => Math.abs(t * 100 - Math.round(t * 100)) < 1e-9);
  const left = Math.max(44, ...yTicks.map((t) => formatPercent(t, whole ? 0 : 1).length * FONT * 0.58 + 14));
  const x = linearScale([lo, hi], [left, WIDTH - RIGHT]);
  const y = linearScale([0, yMax], [TOP + PLOT_H, TOP]);
  const base = TOP + PLOT_H;
  const height = base + 44;

  const grid = yTicks.map(
    (t) => html`<line class="grid" x1="${px(left)}" x2="${px(WIDTH - RIGHT)}" y1="${px(y(t))}" y2="${px(y(t))}"/>
<text class="tick" x="${px(left - 6)}" y="${px(y(t) + 4)}" text-anchor="end">${formatPercent(t, whole ? 0 : 1)}</text>`,
  );
  const xTicks = valueTicks(integers ? lo + 0.5 : lo, integers ? hi - 0.5 : hi, integers).map(
    (t) => html`<line class="axis" x1="${px(x(t))}" x2="${px(x(t))}" y1="${base}" y2="${base + 4}"/>
<text class="tick" x="${px(x(t))}" y="${base + 16}" text-anchor="${x(t) > WIDTH - RIGHT - 16 ? 'end' : 'middle'}">${formatNumber(t)}</text>`,
  );
  const bins = d.reference.map((_, i) => {
    const a = d.edges[i] ?? lo;
    const b = d.edges[i + 1] ?? hi;
    const x0 = x(a);
    const w = Math.max(0.5, x(b) - x0);
    const range = integers
      ? formatNumber((a + b) / 2)
      : `[${formatNumber(a)}, ${formatNumber(b)}${i === n - 1 ? ']' : ')'}`;
    const tip = `${range}\nreference ${formatPercent(ref[i])} (${formatCount(d.reference[i] ?? 0)} rows)\ncurrent ${formatPercent(cur[i])} (${formatCount(d.current[i] ?? 0)} rows)`;
    return html`<g><title>${tip}</title><rect class="hit" x="${px(x0)}" y="${TOP}" width="${px(w)}" height="${PLOT_H}"/>
<rect class="ref-bar" x="${px(x0 + (w > 4 ? 1 : 0))}" y="${px(y(ref[i] ?? 0))}" width="${px(w > 4 ? w - 2 : w)}" height="${px(base - y(ref[i] ?? 0))}"/></g>`;
  });
  // The current side as one outlined step path over the bins, closed to the axis for a light fill.
  const steps = d.current
    .map((_, i) => `H${px(x(d.edges[i] ?? lo))}V${px(y(cur[i] ?? 0))}H${px(x(d.edges[i + 1] ?? hi))}`)
    .join('');
  const outline = `M${px(x(lo))},${px(base)}${steps}V${px(base)}`;
  const outside = d.outside.reference + d.outside.current;
  return html`<svg class="chart distribution" role="img" aria-label="${`Distribution of ${title}: reference vs current`}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">
<g class="legend" transform="translate(${px(left)},16)">
<rect class="ref-bar" x="0" y="-9" width="11" height="11" rx="2"/><text x="16" y="0">Reference</text>
<path class="cur-step" d="M94,-3.5h12"/><text x="112" y="0">Current</text>
</g>
<text class="axis-title" x="${WIDTH - RIGHT}" y="16" text-anchor="end">share of values</text>
${grid}
<path class="cur-area" d="${outline}Z"/>
${bins}
<path class="cur-step" d="${outline}"/>
<line class="axis" x1="${px(left)}" x2="${px(WIDTH - RIGHT)}" y1="${base}" y2="${base}"/>
${xTicks}
${outside > 0 && html`<text class="tick small" x="${WIDTH - RIGHT}" y="${base + 34}" text-anchor="end">${`beyond the plotted range: ${formatCount(d.outside.reference)} reference, ${formatCount(d.outside.current)} current values`}</text>`}
</svg>`;
}
