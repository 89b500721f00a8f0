import type { Histogram } from '@vigil/analyzers';
import { linearScale, niceTicks, px, textWidth, truncate } from './chart-scale';
import { formatCount, formatPercent } from './format-number';
import { html, type SafeHtml } from './safe-html';

export interface HistogramChartOptions {
  /** Accessible name of the chart, e.g. the feature name. */
  title: string;
  /** Numeric bins are ordered ranges and keep a column layout; categories may switch to rows. */
  kind: 'numeric' | 'categorical';
}

interface Bin {
  label: string;
  reference: number;
  current: number;
  referenceCount: number;
  currentCount: number;
}

const WIDTH = 560;
const FONT = 11;
/** Beyond this many categories the smallest are pooled, or the chart would be taller than the page is useful. */
const MAX_CATEGORIES = 25;
/** Beyond this many numeric bins even rotated labels collide, so the chart turns to rows. */
const MAX_COLUMNS = 30;

function proportions(histogram: Histogram): Bin[] {
  const refTotal = histogram.reference.reduce((a, b) => a + b, 0);
  const curTotal = histogram.current.reduce((a, b) => a + b, 0);
  return histogram.labels.map((label, i) => {
    const referenceCount = histogram.reference[i] ?? 0;
    const currentCount = histogram.current[i] ?? 0;
    return {
      label,
      referenceCount,
      currentCount,
      reference: refTotal > 0 ? referenceCount / refTotal : 0,
      current: curTotal > 0 ? currentCount / curTotal : 0,
    };
  });
}

/** Keeps the largest categories (by either side) in their original order and pools the rest into one bar. */
function poolSmallCategories(bins: Bin[]): Bin[] {
  if (bins.length <= MAX_CATEGORIES) return bins;
  const keep = new Set(
    [...bins]
      .sort((a, b) => Math.max(b.reference, b.current) - Math.max(a.reference, a.current))
      .slice(0, MAX_CATEGORIES - 1),
  );
  const rest = bins.filter((b) => !keep.has(b));
  const pooled: Bin = {
    label: `(${rest.length} other categories)`,
    reference: rest.reduce((s, b) => s + b.reference, 0),
    current: rest.reduce((s, b) => s + b.current, 0),
    referenceCount: rest.reduce((s, b) => s + b.referenceCount, 0),
    currentCount: rest.reduce((s, b) => s + b.currentCount, 0),
  };
  return [...bins.filter((b) => keep.has(b)), pooled];
}

function tooltip(bin: Bin): string {
  return (
    `${bin.label}\nreference ${formatPercent(bin.reference)} (${formatCount(bin.referenceCount)} rows)` +
    `\ncurrent ${formatPercent(bin.current)} (${formatCount(bin.currentCount)} rows)`
  );
}

/** One number of decimals for every tick of an axis, so "5.0%" and "10%" do not sit side by side. */
function tickFormatter(ticks: number[]): (t: number) => string {
  const whole = ticks.every((t) => Math.abs(t * 100 - Math.round(t * 100)) < 1e-9);
  return (t) => formatPercent(t, whole ? 0 : 1);
}

function legend(x: number, y: number): SafeHtml {
  return html`<g class="legend" transform="translate(${px(x)},${px(y)})">
<rect class="ref" x="0" y="-9" width="11" height="11" rx="2"/><text x="16" y="0">Reference</text>
<rect class="cur" x="94" y="-9" width="11" height="11" rx="2"/><text x="110" y="0">Current</text>
</g>`;
}

function columns(bins: Bin[], options: HistogramChartOptions): SafeHtml {
  const n = bins.length;
  const right = 12;
  const top = 34;
  const plotH = 190;
  const ticks = niceTicks(Math.max(...bins.map((b) => Math.max(b.reference, b.current))), 4);
  const yMax = ticks[ticks.length - 1] ?? 1;
  const tickLabel = tickFormatter(ticks);
  const tickLabelW = Math.max(...ticks.map((t) => textWidth(tickLabel(t), FONT)));
  let left = Math.max(44, tickLabelW + 14);
  let band = (WIDTH - left - right) / n;

  // Labels stay horizontal when they fit their band; otherwise they are rotated, and the left margin grows so the
  // first rotated label is not cut off at the edge of the chart.
  const angle = 40;
  const rad = (angle * Math.PI) / 180;
  const fitsFlat = bins.every((b) => textWidth(b.label, FONT) <= band - 4);
  const shown = bins.map((b) => (fitsFlat ? b.label : truncate(b.label, 20)));
  const longest = Math.max(...shown.map((s) => textWidth(s, FONT)));
  if (!fitsFlat) {
    left = Math.max(left, longest * Math.cos(rad) - band / 2 + 8);
    band = (WIDTH - left - right) / n;
  }
  const bottom = fitsFlat ? 26 : longest * Math.sin(rad) + 22;
  const height = top + plotH + bottom;
  const y = linearScale([0, yMax], [top + plotH, top]);
  const barW = Math.max(1, (band * 0.76) / 2);
  const pad = (band - 2 * barW) / 2;
  const base = top + plotH;

  const grid = ticks.map(
    (t) => html`<line class="grid" x1="${px(left)}" x2="${px(WIDTH - right)}" y1="${px(y(t))}" y2="${px(y(t))}"/>
<text class="tick" x="${px(left - 6)}" y="${px(y(t) + 4)}" text-anchor="end">${tickLabel(t)}</text>`,
  );
  const bars = bins.map((bin, i) => {
    const x0 = left + i * band + pad;
    const cx = left + (i + 0.5) * band;
    const label = shown[i] ?? '';
    const labelMark = fitsFlat
      ? html`<text class="tick" x="${px(cx)}" y="${px(base + 16)}" text-anchor="middle">${label}</text>`
      : html`<text class="tick" text-anchor="end" transform="translate(${px(cx + 3)},${px(base + 12)}) rotate(-${angle})">${label}</text>`;
    return html`<g><title>${tooltip(bin)}</title>
<rect class="hit" x="${px(left + i * band)}" y="${top}" width="${px(band)}" height="${plotH}"/>
<rect class="ref" x="${px(x0)}" y="${px(y(bin.reference))}" width="${px(barW)}" height="${px(base - y(bin.reference))}"/>
<rect class="cur" x="${px(x0 + barW)}" y="${px(y(bin.current))}" width="${px(barW)}" height="${px(base - y(bin.current))}"/>
${labelMark}</g>`;
  });
  return html`<svg class="chart histogram" role="img" aria-label="${`Histogram of ${options.title}: reference vs current`}" viewBox="0 0 ${WIDTH} ${px(height)}" width="${WIDTH}" height="${px(height)}">
${legend(left, 16)}
<text class="axis-title" x="${WIDTH - right}" y="16" text-anchor="end">share of rows</text>
${grid}
${bars}
<line class="axis" x1="${px(left)}" x2="${px(WIDTH - right)}" y1="${px(base)}" y2="${px(base)}"/>
</svg>`;
}

function rows(bins: Bin[], options: HistogramChartOptions): SafeHtml {
  const shown = bins.map((b) => truncate(b.label, 34));
  const labelW = Math.min(240, Math.max(60, ...shown.map((s) => textWidth(s, FONT) + 8)));
  const left = labelW + 10;
  const right = 20;
  const top = 46;
  const rowH = 24;
  const barH = 9;
  const plotH = bins.length * rowH;
  const height = top + plotH + 10;
  const ticks = niceTicks(Math.max(...bins.map((b) => Math.max(b.reference, b.current))), 4);
  const xMax = ticks[ticks.length - 1] ?? 1;
  const tickLabel = tickFormatter(ticks);
  const x = linearScale([0, xMax], [left, WIDTH - right]);

  const grid = ticks.map(
    (t) => html`<line class="grid" x1="${px(x(t))}" x2="${px(x(t))}" y1="${top - 4}" y2="${px(top + plotH)}"/>
<text class="tick" x="${px(x(t))}" y="${top - 9}" text-anchor="middle">${tickLabel(t)}</text>`,
  );
  const bars = bins.map((bin, i) => {
    const y0 = top + i * rowH + (rowH - 2 * barH - 1) / 2;
    return html`<g><title>${tooltip(bin)}</title>
<rect class="hit" x="0" y="${top + i * rowH}" width="${WIDTH}" height="${rowH}"/>
<text class="tick label" x="${px(labelW)}" y="${px(y0 + barH + 4)}" text-anchor="end">${shown[i] ?? ''}</text>
<rect class="ref" x="${px(left)}" y="${px(y0)}" width="${px(x(bin.reference) - left)}" height="${barH}"/>
<rect class="cur" x="${px(left)}" y="${px(y0 + barH + 1)}" width="${px(x(bin.current) - left)}" height="${barH}"/>
</g>`;
  });
  return html`<svg class="chart histogram" role="img" aria-label="${`Histogram of ${options.title}: reference vs current`}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">
${legend(left, 14)}
<text class="axis-title" x="${WIDTH - right}" y="14" text-anchor="end">share of rows</text>
${grid}
${bars}
<line class="axis" x1="${px(left)}" x2="${px(left)}" y1="${top - 4}" y2="${px(top + plotH)}"/>
</svg>`;
}

/**
 * Reference and current proportions per bin, side by side. Proportions rather than counts, because the two samples
 * rarely have the same size. Categories whose names do not fit under a column are drawn as rows instead, so long
 * names stay readable; numeric bins keep columns (their order is the x axis) with rotated labels when crowded.
 */
export function histogramChart(histogram: Histogram, options: HistogramChartOptions): SafeHtml {
  const all = proportions(histogram);
  if (all.length === 0) return html`<p class="muted">No histogram data.</p>`;
  if (options.kind === 'numeric') return all.length <= MAX_COLUMNS ? columns(all, options) : rows(all, options);
  const bins = poolSmallCategories(all);
  const band = (WIDTH - 56) / bins.length;
  const fitsFlat = bins.length <= 12 && bins.every((b) => textWidth(b.label, FONT) <= band - 4);
  return fitsFlat ? columns(bins, options) : rows(bins, options);
}
