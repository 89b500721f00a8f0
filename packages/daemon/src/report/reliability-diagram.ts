import type { Calibration } from '@vigil/analyzers';
import { linearScale, px, textWidth } from './chart-scale';
import { formatCompactCount, formatCount, formatNumber } from './format-number';
import { html, type SafeHtml } from './safe-html';

const WIDTH = 440;
const LEFT = 54;
const RIGHT = 18;
const TOP = 40;
const SIZE = WIDTH - LEFT - RIGHT;
const STRIP_GAP = 22;
const STRIP_H = 64;
const FONT = 10;

/**
 * Reliability diagram: mean predicted score against observed positive rate per score bin, with the diagonal of
 * perfect calibration and the gap of each bin drawn explicitly (ECE is the row-weighted mean of those gaps). A strip
 * of bin counts underneath shares the x axis, because a large gap in a nearly empty bin matters far less.
 */
export function reliabilityDiagram(calibration: Calibration): SafeHtml {
  const x = linearScale([0, 1], [LEFT, LEFT + SIZE]);
  const y = linearScale([0, 1], [TOP + SIZE, TOP]);
  const stripTop = TOP + SIZE + STRIP_GAP;
  const stripBase = stripTop + STRIP_H;
  const height = stripBase + 42;
  const maxCount = Math.max(1, ...calibration.bins.map((b) => b.count));
  const count = linearScale([0, maxCount], [stripBase, stripTop + 12]);
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  const filled = calibration.bins.filter((b) => b.count > 0);

  const grid = ticks.map(
    (t) => html`<line class="grid" x1="${px(x(t))}" x2="${px(x(t))}" y1="${TOP}" y2="${px(TOP + SIZE)}"/>
<line class="grid" x1="${LEFT}" x2="${px(LEFT + SIZE)}" y1="${px(y(t))}" y2="${px(y(t))}"/>
<text class="tick" x="${LEFT - 6}" y="${px(y(t) + 4)}" text-anchor="end">${t.toFixed(1)}</text>
<line class="grid" x1="${px(x(t))}" x2="${px(x(t))}" y1="${stripTop}" y2="${stripBase}"/>
<text class="tick" x="${px(x(t))}" y="${stripBase + 15}" text-anchor="middle">${t.toFixed(1)}</text>`,
  );
  const gaps = filled.map(
    (b) =>
      html`<line class="gap" x1="${px(x(b.meanScore))}" x2="${px(x(b.meanScore))}" y1="${px(y(b.meanScore))}" y2="${px(y(b.positiveRate))}"/>`,
  );
  const line = filled.map((b) => `${px(x(b.meanScore))},${px(y(b.positiveRate))}`).join(' ');
  const points = filled.map(
    (b) =>
      html`<circle class="point" cx="${px(x(b.meanScore))}" cy="${px(y(b.positiveRate))}" r="4.5"><title>${
        `scores ${formatNumber(b.lower, 2)}–${formatNumber(b.upper, 2)}: ${formatCount(b.count)} rows\n` +
        `mean score ${formatNumber(b.meanScore)}, positive rate ${formatNumber(b.positiveRate)}`
      }</title></circle>`,
  );
  const bars = calibration.bins.map((b) => {
    const x0 = x(Math.max(0, b.lower)) + 1;
    const w = Math.max(1, x(Math.min(1, b.upper)) - x(Math.max(0, b.lower)) - 2);
    const label = formatCompactCount(b.count);
    const fits = textWidth(label, FONT) <= w + 4;
    return html`<g><title>${`scores ${formatNumber(b.lower, 2)}–${formatNumber(b.upper, 2)}: ${formatCount(b.count)} rows`}</title>
<rect class="count" x="${px(x0)}" y="${px(count(b.count))}" width="${px(w)}" height="${px(stripBase - count(b.count))}"/>
${fits && html`<text class="tick small" x="${px(x0 + w / 2)}" y="${px(count(b.count) - 3)}" text-anchor="middle">${label}</text>`}</g>`;
  });

  return html`<svg class="chart reliability" role="img" aria-label="Reliability diagram" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">
<g class="legend" transform="translate(${LEFT},16)">
<line class="model-line" x1="0" x2="18" y1="-4" y2="-4"/><circle class="point" cx="9" cy="-4" r="3.5"/><text x="24" y="0">Model</text>
<line class="diagonal" x1="78" x2="98" y1="-4" y2="-4"/><text x="104" y="0">Perfectly calibrated</text>
<line class="gap" x1="232" x2="232" y1="-10" y2="2"/><text x="240" y="0">Gap</text>
</g>
${grid}
<rect class="frame" x="${LEFT}" y="${TOP}" width="${SIZE}" height="${SIZE}"/>
<line class="diagonal" x1="${px(x(0))}" y1="${px(y(0))}" x2="${px(x(1))}" y2="${px(y(1))}"/>
${gaps}
${filled.length > 1 && html`<polyline class="model-line" points="${line}"/>`}
${points}
${bars}
<line class="axis" x1="${LEFT}" x2="${px(LEFT + SIZE)}" y1="${stripBase}" y2="${stripBase}"/>
<text class="axis-title" x="${px(LEFT + SIZE / 2)}" y="${stripBase + 34}" text-anchor="middle">Mean predicted score</text>
<text class="axis-title" text-anchor="middle" transform="translate(16,${px(TOP + SIZE / 2)}) rotate(-90)">Observed positive rate</text>
<text class="axis-title" text-anchor="middle" transform="translate(16,${px(stripTop + STRIP_H / 2)}) rotate(-90)">rows</text>
</svg>`;
}
