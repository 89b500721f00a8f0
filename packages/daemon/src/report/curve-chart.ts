import { linearScale, px } from './chart-scale';
import { formatNumber, formatPercent } from './format-number';
import { html, type SafeHtml } from './safe-html';

const WIDTH = 360;
const LEFT = 46;
const RIGHT = 14;
const TOP = 34;
const SIZE = WIDTH - LEFT - RIGHT;
const HEIGHT = TOP + SIZE + 42;
const TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

/** The operating point at the decision threshold, marked on a curve. */
export interface OperatingPoint {
  x: number;
  y: number;
  label: string;
}

interface CurveChartOptions {
  kind: 'roc' | 'pr';
  /** Points in drawing order. */
  xs: readonly number[];
  ys: readonly number[];
  xTitle: string;
  yTitle: string;
  /** Headline figure shown in the legend, e.g. "AUC 0.861". */
  figure: string;
  /** Reference line: the chance diagonal (ROC) or the positive rate (precision–recall). */
  baseline: { y0: number; y1: number; label: string };
  point?: OperatingPoint;
}

function curveChart(o: CurveChartOptions): SafeHtml {
  const x = linearScale([0, 1], [LEFT, LEFT + SIZE]);
  const y = linearScale([0, 1], [TOP + SIZE, TOP]);
  const grid = TICKS.map(
    (t) => html`<line class="grid" x1="${px(x(t))}" x2="${px(x(t))}" y1="${TOP}" y2="${TOP + SIZE}"/>
<line class="grid" x1="${LEFT}" x2="${LEFT + SIZE}" y1="${px(y(t))}" y2="${px(y(t))}"/>
<text class="tick" x="${LEFT - 6}" y="${px(y(t) + 4)}" text-anchor="end">${t.toFixed(1)}</text>
<text class="tick" x="${px(x(t))}" y="${TOP + SIZE + 15}" text-anchor="middle">${t.toFixed(1)}</text>`,
  );
  // ROC points are joined by straight lines (the trapezoids of the AUC); precision–recall points by steps, the
  // rectangles whose sum is the average precision (scikit-learn draws it so, with drawstyle "steps-post").
  const first = `M${px(x(o.xs[0] ?? 0))},${px(y(o.ys[0] ?? 0))}`;
  const rest = o.xs
    .slice(1)
    .map((xv, k) =>
      o.kind === 'roc' ? `L${px(x(xv))},${px(y(o.ys[k + 1] ?? 0))}` : `H${px(x(xv))}V${px(y(o.ys[k + 1] ?? 0))}`,
    );
  const line = [first, ...rest].join('');
  const area = o.kind === 'roc' ? `${line}L${px(x(1))},${px(y(0))}L${px(x(0))},${px(y(0))}Z` : null;
  const p = o.point;
  return html`<svg class="chart curve ${o.kind}" role="img" aria-label="${o.kind === 'roc' ? 'ROC curve' : 'Precision–recall curve'}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}">
<g class="legend" transform="translate(${LEFT},16)">
<line class="curve-line" x1="0" x2="18" y1="-4" y2="-4"/><text x="24" y="0">${o.figure}</text>
<line class="diagonal" x1="${130}" x2="${148}" y1="-4" y2="-4"/><text x="154" y="0">${o.baseline.label}</text>
</g>
${grid}
<rect class="frame" x="${LEFT}" y="${TOP}" width="${SIZE}" height="${SIZE}"/>
<line class="diagonal" x1="${px(x(0))}" y1="${px(y(o.baseline.y0))}" x2="${px(x(1))}" y2="${px(y(o.baseline.y1))}"/>
${area && html`<path class="curve-area" d="${area}"/>`}
<path class="curve-line" d="${line}"/>
${
  p &&
  html`<g class="operating-point"><title>${p.label}</title><circle cx="${px(x(p.x))}" cy="${px(y(p.y))}" r="5"/>
<text x="${px(x(p.x) + (p.x > 0.6 ? -8 : 8))}" y="${px(y(p.y) + (p.y > 0.15 ? 16 : -8))}" text-anchor="${p.x > 0.6 ? 'end' : 'start'}">${p.label}</text></g>`
}
<text class="axis-title" x="${px(LEFT + SIZE / 2)}" y="${TOP + SIZE + 34}" text-anchor="middle">${o.xTitle}</text>
<text class="axis-title" text-anchor="middle" transform="translate(12,${px(TOP + SIZE / 2)}) rotate(-90)">${o.yTitle}</text>
</svg>`;
}

/** ROC curve: true against false positive rate over every threshold, with the chance diagonal. */
export function rocChart(roc: { fpr: number[]; tpr: number[] }, auc: number, point?: OperatingPoint): SafeHtml {
  return curveChart({
    kind: 'roc',
    xs: roc.fpr,
    ys: roc.tpr,
    xTitle: 'False positive rate',
    yTitle: 'True positive rate',
    figure: `AUC ${formatNumber(auc)}`,
    baseline: { y0: 0, y1: 1, label: 'chance' },
    ...(point ? { point } : {}),
  });
}

/**
 * Precision–recall curve with the positive rate as the no-skill line: on imbalanced data it shows what the ROC
 * curve hides, how many of the flagged rows are actually positive.
 */
export function precisionRecallChart(
  pr: { precision: number[]; recall: number[] },
  averagePrecision: number,
  positiveRate: number,
  point?: OperatingPoint,
): SafeHtml {
  return curveChart({
    kind: 'pr',
    xs: pr.recall,
    ys: pr.precision,
    xTitle: 'Recall',
    yTitle: 'Precision',
    figure: `AP ${formatNumber(averagePrecision)}`,
    baseline: { y0: positiveRate, y1: positiveRate, label: `positive rate ${formatPercent(positiveRate)}` },
    ...(point ? { point } : {}),
  });
}
