/**
 * The report's only stylesheet, inlined so the file opens anywhere with no network. Chart colours are the
 * Okabe–Ito palette (blue for reference, orange for current), distinguishable with the common colour-vision
 * deficiencies; statuses also carry words, never colour alone.
 */
export const REPORT_STYLES = `
:root {
  --ink: #1f2328; --muted: #59636e; --faint: #8c959f; --line: #d8dee4; --grid: #eaeef2; --panel: #ffffff;
  --page: #f5f6f8; --ref: #0072b2; --cur: #e69f00; --gap: #d55e00; --accent: #0969da;
  --bad: #b42318; --bad-bg: #fdecea; --good: #1a7f37; --good-bg: #e7f5ea; --warn: #8a5a00; --warn-bg: #fff3d1;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--page); color: var(--ink); font: 14px/1.5 var(--sans); }
main { max-width: 1280px; margin: 0 auto; padding: 28px 24px 40px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
h1 { font-size: 26px; line-height: 1.2; margin: 0 0 6px; letter-spacing: -0.01em; }
h2 { font-size: 19px; margin: 0 0 4px; }
h3 { font-size: 15px; margin: 0; overflow-wrap: anywhere; }
p { margin: 0 0 8px; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
.num { font-variant-numeric: tabular-nums; }
header.report-header { margin-bottom: 20px; }
.eyebrow { text-transform: uppercase; letter-spacing: 0.08em; font-size: 11px; font-weight: 600; color: var(--muted); }
.meta { display: flex; flex-wrap: wrap; gap: 6px 20px; color: var(--muted); margin-top: 4px; }
.meta b { color: var(--ink); font-weight: 600; font-variant-numeric: tabular-nums; }
nav.toc { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 14px; }
nav.toc a { border: 1px solid var(--line); background: var(--panel); border-radius: 999px; padding: 2px 12px; font-size: 13px; color: var(--ink); }
section.card { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 20px 24px; margin-bottom: 20px; }
.section-head { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; gap: 4px 16px; margin-bottom: 14px; }
.section-head p { margin: 0; color: var(--muted); }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; }
.tile { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; min-width: 0; }
.tile.alert { border-color: #f3b5ae; background: #fffafa; }
.tile.inactive { background: #fafbfc; }
.tile-label { font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: 0.05em; }
.tile-value { font-size: 26px; font-weight: 650; line-height: 1.25; font-variant-numeric: tabular-nums; margin: 2px 0; }
.tile-value .unit { font-size: 14px; font-weight: 500; color: var(--muted); margin-left: 4px; }
.tile-sub { font-size: 13px; color: var(--muted); overflow-wrap: anywhere; }
.tile-sub b { color: var(--ink); font-weight: 600; }
.chips { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 6px; }
.chip { display: inline-block; max-width: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-size: 12px; border-radius: 4px; padding: 1px 7px; background: var(--bad-bg); color: var(--bad); }
.badge { display: inline-block; font-size: 12px; font-weight: 600; border-radius: 999px; padding: 1px 9px; white-space: nowrap; }
.badge.bad { background: var(--bad-bg); color: var(--bad); }
.badge.good { background: var(--good-bg); color: var(--good); }
.badge.warn { background: var(--warn-bg); color: var(--warn); }
.badge.neutral { background: #eef1f4; color: var(--muted); }
.table-scroll { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 7px 9px; border-bottom: 1px solid var(--grid); text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; font-weight: 600; color: var(--muted); white-space: nowrap; border-bottom: 1px solid var(--line); }
thead tr.group-head th { font-size: 11px; text-transform: uppercase; letter-spacing: 0.05em; border-bottom: 0; padding-bottom: 0; }
thead th.group-start, td.group-start { border-left: 1px solid var(--line); }
tbody tr:last-child td { border-bottom: 0; }
tbody tr.drifted { background: #fffafa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.feature { min-width: 170px; max-width: 280px; overflow-wrap: break-word; font-weight: 500; }
td.nowrap { white-space: nowrap; }
/* The feature name stays in view while the wide metric columns scroll sideways. */
.sticky-first tr:not(.group-head) > th:first-child, .sticky-first td:first-child { position: sticky; left: 0; z-index: 1; background: var(--panel); box-shadow: inset -1px 0 0 var(--line); }
.sticky-first thead th:first-child { background: #f6f8fa; }
.sticky-first tbody tr.drifted td:first-child { background: #fffafa; }
td .hint { color: var(--faint); font-weight: 400; font-size: 12px; }
td.decisive { font-weight: 650; }
.chart-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 520px), 1fr)); gap: 16px; }
figure { margin: 0; min-width: 0; }
figure.chart-card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px 10px; }
figure.chart-card figcaption { margin-bottom: 6px; }
figcaption .stats { font-size: 12px; color: var(--muted); font-variant-numeric: tabular-nums; }
figcaption .title-row { display: flex; justify-content: space-between; gap: 10px; align-items: baseline; }
svg.chart { display: block; max-width: 100%; height: auto; margin: 0 auto; }
svg.chart text { font-family: var(--sans); font-size: 11px; fill: var(--muted); }
svg.chart text.small { font-size: 10px; }
svg.chart .legend text { fill: var(--ink); font-size: 12px; }
svg.chart .axis-title { font-size: 11px; fill: var(--muted); }
svg.chart .panel-title { font-size: 12px; font-weight: 600; fill: var(--ink); }
svg.chart .group-name { font-size: 12px; fill: var(--ink); }
svg.chart .warn-text { fill: var(--warn); }
svg.chart .grid { stroke: var(--grid); stroke-width: 1; }
svg.chart .axis { stroke: var(--faint); stroke-width: 1; }
svg.chart .frame { fill: none; stroke: var(--line); }
svg.chart .ref { fill: var(--ref); }
svg.chart .cur { fill: var(--cur); }
svg.chart .hit { fill: transparent; }
svg.chart g:hover > .hit { fill: rgba(9, 105, 218, 0.06); }
svg.chart .diagonal { stroke: var(--faint); stroke-width: 1.2; stroke-dasharray: 5 4; }
svg.chart .gap { stroke: var(--gap); stroke-width: 2; opacity: 0.75; }
svg.chart .model-line { fill: none; stroke: var(--ref); stroke-width: 2; }
svg.chart .point { fill: var(--ref); stroke: #fff; stroke-width: 1.5; }
svg.chart .count { fill: #b6c2cf; }
svg.chart .band { fill: #f6f8fa; }
svg.chart .hatch-bg { fill: #fff8e6; }
svg.chart .hatch-line { stroke: #f0d9a0; stroke-width: 3; }
svg.chart .whisker { stroke: var(--ink); stroke-width: 1.5; }
svg.chart .rate circle { fill: var(--ref); stroke: #fff; stroke-width: 1.5; }
svg.chart .rate.insufficient circle { fill: #fff; stroke: var(--muted); stroke-width: 2; }
svg.chart .rate.insufficient .whisker { stroke: var(--faint); stroke-dasharray: 3 2; }
.calibration-layout { display: grid; grid-template-columns: minmax(0, 460px) minmax(0, 1fr); gap: 20px 28px; align-items: start; }
.calibration-layout .tiles { grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); margin-bottom: 14px; }
.attribute { border-top: 1px solid var(--line); padding-top: 18px; margin-top: 18px; }
.attribute:first-of-type { border-top: 0; padding-top: 0; margin-top: 0; }
.attribute h3 { font-size: 16px; margin-bottom: 10px; }
.attribute-layout { display: grid; grid-template-columns: minmax(0, 760px) minmax(0, 1fr); grid-template-areas: "chart tiles"; gap: 16px 24px; align-items: start; margin-bottom: 14px; }
.attribute-layout > .chart-wrap { grid-area: chart; }
.attribute-layout > .differences { grid-area: tiles; }
table.differences { border: 1px solid var(--line); border-radius: 8px; border-collapse: separate; border-spacing: 0; overflow: hidden; }
table.differences th { font-weight: 600; color: var(--ink); white-space: normal; }
table.differences .definition { display: block; font-weight: 400; font-size: 12px; color: var(--muted); }
table.differences td.value { font-size: 18px; font-weight: 650; vertical-align: middle; }
table.differences td { vertical-align: middle; }
table.differences tr.flagged { background: #fffafa; }
table.differences tr:last-child > * { border-bottom: 0; }
td .ci { display: block; font-size: 11px; color: var(--faint); }
.attribute .chart-wrap svg.chart { margin: 0; }
.flag-row { display: flex; justify-content: space-between; align-items: center; gap: 8px; margin-top: 4px; }
.flag-row a { font-weight: 600; color: var(--ink); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.flag-detail { font-size: 12px; }
.note { font-size: 12px; color: var(--muted); margin-top: 8px; }
.warning { font-size: 13px; color: var(--bad); background: var(--bad-bg); border-radius: 6px; padding: 8px 12px; margin: 12px 0 0; }
footer { color: var(--muted); font-size: 12px; text-align: center; margin-top: 8px; display: grid; gap: 4px; }
footer code, .inputs code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12px; overflow-wrap: anywhere; }
footer .command code { background: #eef1f4; border-radius: 4px; padding: 1px 6px; color: var(--ink); }
.inputs { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 8px 16px; margin: 12px 0 8px; }
.input { display: flex; align-items: baseline; gap: 10px; min-width: 0; border: 1px solid var(--line); background: var(--panel); border-radius: 8px; padding: 8px 12px; }
.input-side { font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); flex: none; }
.input code.file { flex: 1 1 auto; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--ink); }
.input .rows { flex: none; margin-left: auto; color: var(--muted); white-space: nowrap; }
.input .rows b { color: var(--ink); font-variant-numeric: tabular-nums; }
nav.toc a.muted-link { color: var(--faint); border-style: dashed; }
section.card.not-computed { padding: 14px 24px; }
section.card.not-computed .section-head { margin-bottom: 4px; justify-content: flex-start; }
p.reason { color: var(--muted); margin: 0; }
figure.not-computed p.reason { padding: 24px 0; text-align: center; }
/* The feature table fits a 1280 px window: compact cells, long names wrap under their own width. */
table.features, table.quality { font-size: 12.5px; }
table.features th, table.features td, table.quality th, table.quality td { padding: 6px 6px; }
table.features td.feature, table.quality td.feature { min-width: 120px; max-width: 200px; }
td.feature .feature-name { display: block; overflow-wrap: anywhere; }
td.feature .hint { display: block; }
.stat-name { color: var(--faint); font-size: 11px; }
table.quality td.side { color: var(--muted); font-size: 12px; white-space: nowrap; }
table.quality tr.ref-row td { border-bottom-color: transparent; }
table.quality tr.ref-row td.feature { border-bottom: 1px solid var(--grid); }
table.quality tr.cur-row td { border-bottom: 1px solid var(--line); }
table.quality tbody tr:last-child td { border-bottom: 0; }
table.quality td.feature { vertical-align: middle; }
table.quality td.categories { color: var(--muted); overflow-wrap: anywhere; }
td.flagged { color: var(--warn); background: var(--warn-bg); font-weight: 600; }
.new-categories { color: var(--warn); font-weight: 500; }
.binned { color: var(--warn); }
.performance-tiles { grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); }
.performance-layout { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 16px; margin-top: 16px; align-items: start; }
figure.confusion, figure.curve-card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px 10px; }
figure.confusion figcaption, figure.curve-card figcaption { margin-bottom: 8px; }
table.confusion-matrix { table-layout: fixed; border-collapse: separate; border-spacing: 4px; margin: 0 -4px 8px; width: calc(100% + 8px); }
table.confusion-matrix th { background: none; border: 0; font-size: 12px; color: var(--muted); text-align: center; white-space: normal; padding: 2px; }
table.confusion-matrix tbody th { text-align: right; width: 26%; }
td.cm { border: 0; border-radius: 6px; text-align: center; padding: 10px 6px; }
td.cm.correct { background: #e3f0fa; }
td.cm.error { background: #fdf0e6; }
.cm-label { display: block; font-size: 11px; font-weight: 600; color: var(--muted); letter-spacing: 0.05em; }
.cm-count { display: block; font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; }
.cm-share { display: block; font-size: 11px; color: var(--muted); }
table.rates th { font-weight: 500; color: var(--ink); padding: 4px 6px; }
table.rates td { padding: 4px 6px; vertical-align: middle; }
table.rates tr:last-child > * { border-bottom: 0; }
table.rates .definition { font-weight: 400; font-size: 11px; color: var(--faint); margin-left: 6px; }
svg.chart .ref-bar { fill: #80b8d8; }
svg.chart .cur-step { fill: none; stroke: var(--cur); stroke-width: 2.2; stroke-linejoin: round; }
svg.chart .cur-area { fill: var(--cur); opacity: 0.18; }
details.psi-bins { margin-top: 4px; }
details.psi-bins summary { cursor: pointer; font-size: 12px; color: var(--muted); }
svg.chart .curve-line { fill: none; stroke: var(--ref); stroke-width: 2.2; stroke-linejoin: round; }
svg.chart .curve-area { fill: rgba(0, 114, 178, 0.08); stroke: none; }
svg.chart .operating-point circle { fill: var(--cur); stroke: #fff; stroke-width: 2; }
svg.chart .operating-point text { fill: var(--ink); font-size: 11px; font-weight: 600; }
@media (max-width: 900px) {
  main { padding: 18px 16px 28px; }
  section.card { padding: 16px; }
  .calibration-layout, .attribute-layout, .inputs { grid-template-columns: minmax(0, 1fr); }
  .attribute-layout { grid-template-areas: "tiles" "chart"; }
}
@media print {
  body { background: #fff; }
  section.card { break-inside: avoid-page; border-color: #bbb; }
  nav.toc { display: none; }
  .table-scroll { overflow: visible; }
}
`;
