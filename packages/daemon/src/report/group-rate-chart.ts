import type { FairnessResult, GroupRates } from '@vigil/analyzers';
import { linearScale, px, textWidth, truncate } from './chart-scale';
import { formatCount, formatPercent } from './format-number';
import { html, type SafeHtml } from './safe-html';

interface RatePanel {
  title: string;
  value: (g: GroupRates) => number | null;
  ci: (g: GroupRates) => [number, number] | null;
  /** Label-based rates need enough labelled rows, not just enough rows. */
  sufficient: (g: GroupRates) => boolean;
}

const PANELS: RatePanel[] = [
  {
    title: 'Selection rate',
    value: (g) => g.selectionRate,
    ci: (g) => g.ciSelectionRate,
    sufficient: (g) => g.sufficient,
  },
  { title: 'True positive rate', value: (g) => g.tpr, ci: (g) => g.ciTpr, sufficient: (g) => g.sufficientLabelled },
  { title: 'False positive rate', value: (g) => g.fpr, ci: (g) => g.ciFpr, sufficient: (g) => g.sufficientLabelled },
];

const WIDTH = 760;
const RIGHT = 14;
const TOP = 46;
/** Width of the legend row, so it can be kept inside the chart when group names are long. */
const LEGEND_W = 560;
const ROW_H = 34;
const PANEL_GAP = 30;
const FONT = 12;
/** The outer tick labels lean inwards so one panel's 100% does not run into the next panel's 0%. */
const TICK_ANCHOR: Record<number, string> = { 0: 'start', 1: 'end' };

/**
 * Forest plot of per-group rates: one row per group, one panel per rate, each with its 95% Wilson interval. Rows
 * share the 0–100% scale so groups compare by eye. Groups too small to be used in the difference metrics are drawn
 * hollow on a hatched row, so they are visibly set apart and not mistaken for evidence.
 */
export function groupRateChart(result: FairnessResult, idPrefix: string): SafeHtml {
  const panels = PANELS.filter((p) => result.groups.some((g) => p.value(g) !== null));
  const names = result.groups.map((g) => truncate(g.group, 24));
  const subtitles = result.groups.map((g) =>
    g.sufficient ? `n = ${formatCount(g.n)}` : `n = ${formatCount(g.n)} · too few rows`,
  );
  const labelW = Math.min(
    210,
    Math.max(90, ...names.map((n) => textWidth(n, FONT) + 10), ...subtitles.map((t) => textWidth(t, 10) + 10)),
  );
  const left = labelW + 12;
  const panelW = (WIDTH - left - RIGHT - PANEL_GAP * (panels.length - 1)) / panels.length;
  const plotH = result.groups.length * ROW_H;
  const legendY = TOP + plotH + 34;
  const height = legendY + 12;
  const hatch = `${idPrefix}-hatch`;

  const rowBands = result.groups.map((g, i) => {
    const y0 = TOP + i * ROW_H;
    const insufficient = !g.sufficient;
    const sub = subtitles[i] ?? '';
    return html`<g>
${insufficient ? html`<rect x="0" y="${y0}" width="${WIDTH}" height="${ROW_H}" fill="url(#${hatch})"/>` : i % 2 === 1 && html`<rect class="band" x="0" y="${y0}" width="${WIDTH}" height="${ROW_H}"/>`}
<text class="group-name" x="${labelW}" y="${y0 + 15}" text-anchor="end"><title>${g.group}</title>${names[i] ?? ''}</text>
<text class="tick small${insufficient ? ' warn-text' : ''}" x="${labelW}" y="${y0 + 28}" text-anchor="end">${sub}</text>
</g>`;
  });

  const panelMarks = panels.map((panel, p) => {
    const x0 = left + p * (panelW + PANEL_GAP);
    const x = linearScale([0, 1], [x0, x0 + panelW]);
    const grid = [0, 0.25, 0.5, 0.75, 1].map(
      (t) => html`<line class="grid" x1="${px(x(t))}" x2="${px(x(t))}" y1="${TOP - 4}" y2="${TOP + plotH}"/>
${(t * 4) % 2 === 0 && html`<text class="tick" x="${px(x(t))}" y="${TOP + plotH + 16}" text-anchor="${TICK_ANCHOR[t] ?? 'middle'}">${formatPercent(t)}</text>`}`,
    );
    const marks = result.groups.map((g, i) => {
      const cy = TOP + i * ROW_H + ROW_H / 2;
      const value = panel.value(g);
      if (value === null) {
        return html`<text class="tick small" x="${px(x(0.5))}" y="${cy + 4}" text-anchor="middle">no labels</text>`;
      }
      const ci = panel.ci(g);
      const ok = panel.sufficient(g);
      const tip =
        `${g.group}: ${panel.title.toLowerCase()} ${formatPercent(value)}` +
        (ci ? ` (95% CI ${formatPercent(ci[0])}–${formatPercent(ci[1])})` : '') +
        `, n = ${formatCount(g.n)}, labelled = ${formatCount(g.labelled)}` +
        (ok ? '' : ' — insufficient: not used in the differences');
      const whisker =
        ci &&
        html`<line class="whisker" x1="${px(x(ci[0]))}" x2="${px(x(ci[1]))}" y1="${cy}" y2="${cy}"/>
<line class="whisker" x1="${px(x(ci[0]))}" x2="${px(x(ci[0]))}" y1="${cy - 5}" y2="${cy + 5}"/>
<line class="whisker" x1="${px(x(ci[1]))}" x2="${px(x(ci[1]))}" y1="${cy - 5}" y2="${cy + 5}"/>`;
      return html`<g class="${ok ? 'rate' : 'rate insufficient'}"><title>${tip}</title>${whisker}
<circle cx="${px(x(value))}" cy="${cy}" r="5"/></g>`;
    });
    return html`<text class="panel-title" x="${px(x0)}" y="${TOP - 14}">${panel.title}</text>
${grid}
<line class="axis" x1="${px(x0)}" x2="${px(x0 + panelW)}" y1="${TOP + plotH}" y2="${TOP + plotH}"/>
${marks}`;
  });

  return html`<svg class="chart fairness" role="img" aria-label="${`Rates per ${result.attribute} group with 95% intervals`}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">
<defs><pattern id="${hatch}" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
<rect width="8" height="8" class="hatch-bg"/><line x1="0" y1="0" x2="0" y2="8" class="hatch-line"/></pattern></defs>
${rowBands}
${panelMarks}
<g class="legend" transform="translate(${px(Math.min(left, WIDTH - LEGEND_W))},${legendY})">
<g class="rate"><circle cx="5" cy="-4" r="5"/></g><text x="16" y="0">sufficient group</text>
<g class="rate insufficient"><circle cx="134" cy="-4" r="5"/></g><text x="145" y="0">too few (labelled) rows: not compared</text>
<line class="whisker" x1="400" x2="428" y1="-4" y2="-4"/><line class="whisker" x1="400" x2="400" y1="-9" y2="1"/><line class="whisker" x1="428" x2="428" y1="-9" y2="1"/><text x="436" y="0">95% Wilson interval</text>
</g>
</svg>`;
}
