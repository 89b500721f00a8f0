import type { Explanations } from '@vigil/analyzers';
import { linearScale, niceTicks, px, textWidth, truncate } from './chart-scale';
import { formatNumber } from './format-number';
import { html, type SafeHtml } from './safe-html';

const WIDTH = 640;
const FONT = 12;
const TOP = 30;
const ROW_H = 30;
const BAR_H = 10;
const RIGHT = 16;
/** More features than this are summarised by their top ones (the rest stay in the table beneath the chart). */
export const MAX_CHART_FEATURES = 25;

/**
 * Ranked bars of feature importance: one row per feature in current-rank order, the reference's bar above the
 * current one, on a shared axis from 0. Protected attributes and proxies are labelled so under the name.
 */
export function importanceChart(x: Explanations): SafeHtml {
  const rows = x.features.slice(0, MAX_CHART_FEATURES);
  const names = rows.map((f) => truncate(f.feature, 26));
  const labelW = Math.min(200, Math.max(80, ...names.map((n) => textWidth(n, FONT) + 12)));
  const left = labelW + 10;
  const ticks = niceTicks(Math.max(0, ...rows.flatMap((f) => [f.reference ?? 0, f.current ?? 0])), 4);
  const scale = linearScale([0, ticks[ticks.length - 1] ?? 1], [left, WIDTH - RIGHT]);
  const plotH = rows.length * ROW_H;
  const height = TOP + plotH + 40;
  const unit = x.source === 'attributions' ? 'mean |attribution|' : 'surrogate importance';
  const bars = rows.map((f, i) => {
    const y0 = TOP + i * ROW_H;
    const tag = f.protected ? 'protected' : f.proxy ? 'proxy' : '';
    const bar = (cls: string, value: number | null, y: number, side: string): SafeHtml =>
      value === null
        ? html``
        : html`<rect class="${cls}" x="${px(left)}" y="${px(y)}" width="${px(Math.max(0.5, scale(value) - left))}" height="${BAR_H}" rx="1.5"><title>${`${f.feature}: ${side} ${unit} ${formatNumber(value)}`}</title></rect>`;
    return html`<g>
${i % 2 === 1 && html`<rect class="band" x="0" y="${y0}" width="${WIDTH}" height="${ROW_H}"/>`}
<text class="${tag ? 'group-name warn-text' : 'group-name'}" x="${labelW}" y="${y0 + (tag ? 13 : 18)}" text-anchor="end"><title>${f.feature}</title>${names[i] ?? ''}</text>
${tag && html`<text class="tick small warn-text" x="${labelW}" y="${y0 + 25}" text-anchor="end">${tag}</text>`}
${bar('ref', f.reference, y0 + 4, 'reference')}
${bar('cur', f.current, y0 + 4 + BAR_H + 1, 'current')}
</g>`;
  });
  const axisY = TOP + plotH;
  // Drawn at its own size, as every other chart (width and height): stretched to its card, its text was larger than the page's.
  return html`<svg class="chart importance" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${`Feature importance (${unit}), reference and current`}">
<g class="legend" transform="translate(${px(left)},16)">
<rect class="ref" x="0" y="-9" width="11" height="11" rx="2"/><text x="16" y="0">Reference</text>
<rect class="cur" x="94" y="-9" width="11" height="11" rx="2"/><text x="110" y="0">Current</text>
</g>
${bars}
<line class="axis" x1="${px(left)}" x2="${px(WIDTH - RIGHT)}" y1="${axisY}" y2="${axisY}"/>
${ticks.map((t) => html`<text class="tick" x="${px(scale(t))}" y="${axisY + 16}" text-anchor="middle">${formatNumber(t)}</text>`)}
<text class="axis-title" x="${px((left + WIDTH - RIGHT) / 2)}" y="${axisY + 34}" text-anchor="middle">${unit}</text>
</svg>`;
}
