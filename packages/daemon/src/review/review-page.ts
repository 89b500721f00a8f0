/**
 * The reviewer's page (docs/review.md, "The /review page"): server-rendered HTML, no script and no external
 * resource, under the HTML report's Content-Security-Policy. Every value is escaped by the `html` template (feature
 * values and reasons are user data: a value holding `<script>` shows as text). Keyboard shortcuts are `accesskey`s,
 * which need no script: the browser's access-key modifier with A (agree), O (override), R (reason), N (next item).
 */
import type { ModelConfig } from '@vigil/core';
import type { NumericProfile, ReferenceProfile } from '@vigil/analyzers';
import type { ReviewItem } from '@vigil/store';
import { html, trustedHtml, type SafeHtml } from '../report/safe-html';
import { profileQuantile, UNUSUAL_QUANTILES } from './flag-policies';

/** The report's policy (render-html.ts), plus what a page with forms needs: forms post only here, no <base>. */
const META_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'";
/** The response header adds what a <meta> policy cannot say: no framing. */
export const REVIEW_PAGE_CSP = `${META_CSP}; frame-ancestors 'none'`;

const STYLES = `
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2430;background:#f4f6f9}
main{max-width:1100px;margin:0 auto;padding:16px}header{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;justify-content:space-between;margin-bottom:12px}
h1{font-size:20px;margin:0}h2{font-size:16px;margin:0 0 8px}.card{background:#fff;border:1px solid #d9dee7;border-radius:8px;padding:14px 16px;margin-bottom:12px;overflow-wrap:break-word}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:12px}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #eceff4;vertical-align:top}
th{font-weight:600;color:#4a5568}td.value{overflow-wrap:anywhere}.num{white-space:nowrap;overflow-wrap:normal;font-variant-numeric:tabular-nums}.muted{color:#5f6b7a}.flag{color:#a3361f;font-weight:600}.ok{color:#2f6f3e}.reasons li{margin:2px 0}
.bar{position:relative;height:14px;background:#e6ebf2;border-radius:7px;margin:6px 0}.bar .at{position:absolute;top:-3px;width:4px;height:20px;background:#1d2430;border-radius:2px}
.bar .cut{position:absolute;top:-5px;width:2px;height:24px;background:#a3361f}form.inline{display:inline}button{font:inherit;padding:7px 14px;border-radius:6px;border:1px solid #8a96a8;background:#fff;cursor:pointer}
button.agree{background:#2f6f3e;color:#fff;border-color:#2f6f3e}button.override{background:#a3361f;color:#fff;border-color:#a3361f}textarea,input,select{font:inherit;padding:6px;border:1px solid #8a96a8;border-radius:6px}
textarea{width:100%;min-height:70px}label{display:block;margin:6px 0 2px;font-weight:600}kbd{font:12px ui-monospace,monospace;border:1px solid #c3cad5;border-radius:4px;padding:0 4px;background:#f7f8fa;color:#1d2430}
.actions{display:flex;flex-wrap:wrap;gap:8px;margin-top:10px}.error{border-color:#a3361f;background:#fff5f3}
`;

export interface PageContext {
  reviewer: string;
  decidedToday: number;
  csrf: string;
}

function page(title: string, body: SafeHtml, context?: PageContext): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${META_CSP}">
<meta name="referrer" content="same-origin">
<title>${title} · Vigil review</title>
<style>${trustedHtml(STYLES)}</style>
</head>
<body>
<main>
<header><h1>Vigil review</h1>${
    context &&
    html`<div><span id="reviewer">Signed in as <strong>${context.reviewer}</strong></span> · <span id="today">${context.decidedToday} decided today</span>
<form class="inline" method="post" action="/review/sign-out"><input type="hidden" name="csrf" value="${context.csrf}"> <button type="submit">Sign out</button></form></div>`
  }</header>
${body}
</main>
</body>
</html>
`.value;
}

export function signInPage(message?: string): string {
  return page(
    'Sign in',
    html`<section class="card${message ? ' error' : ''}" id="sign-in">
<h2>Sign in</h2>
${message && html`<p id="message">${message}</p>`}
<p class="muted">With a token of the role <code>reviewer</code> or <code>admin</code> (<code>http.tokens</code>).</p>
<form method="post" action="/review/sign-in" autocomplete="off">
<label for="token">Token</label><input id="token" name="token" type="password" required autofocus size="40">
<div class="actions"><button type="submit">Sign in</button></div>
</form>
</section>`,
  );
}

export function messagePage(context: PageContext, title: string, message: string): string {
  return page(
    title,
    html`<section class="card error" id="message"><h2>${title}</h2><p>${message}</p><p><a href="/review">Back to the queue</a></p></section>`,
    context,
  );
}

/** The page without a claimed item: how many wait, and the button that claims the most urgent one. */
export function idlePage(context: PageContext, waiting: number, notice?: string): string {
  return page(
    'Queue',
    html`${notice && html`<section class="card" id="notice"><p>${notice}</p></section>`}
<section class="card" id="idle">
<h2>${waiting === 0 ? 'Nothing waits for review' : `${waiting} item${waiting === 1 ? '' : 's'} waiting`}</h2>
<form method="post" action="/review/next"><input type="hidden" name="csrf" value="${context.csrf}">
<div class="actions"><button type="submit" accesskey="n" id="next">Claim the next item <kbd>N</kbd></button></div></form>
</section>`,
    context,
  );
}

export interface ItemView {
  item: ReviewItem;
  model: ModelConfig | undefined;
  profile: ReferenceProfile | undefined;
}

/** A claimed item: the prediction against its threshold and reference, why it was flagged, the model's state, the verdict form. */
export function itemPage(context: PageContext, view: ItemView, notice?: string): string {
  const { item, model } = view;
  const binary = model?.task !== 'regression';
  return page(
    `Item ${item.id}`,
    html`${notice && html`<section class="card" id="notice"><p>${notice}</p></section>`}
<section class="card" id="item">
<h2>${item.model} · version ${item.version || '—'} · prediction <code>${item.predictionId}</code></h2>
<p class="muted">Event time ${iso(item.eventTs)} · flagged ${iso(item.flaggedAt)} · claimed until ${iso(item.claimExpiresAt)}</p>
${scoreView(item, model)}
<h2>Why it was flagged</h2>
<ul class="reasons" id="reasons">${item.reasons.map((r) => html`<li>${describeReason(r)}</li>`)}</ul>
</section>
<div class="grid">
<section class="card" id="features"><h2>Features against the reference</h2>${featuresView(view)}</section>
<section class="card" id="context"><h2>The model when it was flagged</h2>${contextView(item)}</section>
</div>
<section class="card" id="verdict">
<h2>Verdict</h2>
<form method="post" action="/review/items/${item.id}/verdict">
<input type="hidden" name="csrf" value="${context.csrf}">
<label for="label">True outcome (optional)</label>
${
  binary
    ? html`<select id="label" name="label" accesskey="l"><option value="">not known</option><option value="0">0</option><option value="1">1</option></select>`
    : html`<input id="label" name="label" inputmode="decimal" accesskey="l">`
}
<label for="reason">Reason <kbd>R</kbd></label>
<textarea id="reason" name="reason" required maxlength="2000" accesskey="r"></textarea>
<div class="actions">
<button class="agree" type="submit" name="verdict" value="agree" accesskey="a" id="agree">Agree with the model <kbd>A</kbd></button>
<button class="override" type="submit" name="verdict" value="override" accesskey="o" id="override">Override <kbd>O</kbd></button>
</div>
<p class="muted">Shortcuts: your browser's access-key modifier (Alt, or Alt+Shift, or Ctrl+Alt on a Mac) with the key shown.</p>
</form>
</section>`,
    context,
  );
}

function scoreView(item: ReviewItem, model: ModelConfig | undefined): SafeHtml {
  if (item.score === null) return html`<p id="score">No score; prediction ${item.prediction ?? '—'}.</p>`;
  const threshold = model?.threshold;
  if (model?.task === 'regression' || threshold === undefined)
    return html`<p id="score">Predicted ${fmt(item.score)}.</p>`;
  const pct = (v: number) => `${Math.max(0, Math.min(100, v * 100)).toFixed(2)}%`;
  return html`<div id="score"><p>Score <strong>${fmt(item.score)}</strong> against the threshold ${fmt(threshold)} (distance ${fmt(Math.abs(item.score - threshold))}): predicted <strong>${item.prediction ?? '—'}</strong>.</p>
<div class="bar" role="img" aria-label="${`score ${fmt(item.score)}, threshold ${fmt(threshold)}`}"><span class="cut" style="${`left:${pct(threshold)}`}"></span><span class="at" style="${`left:${pct(item.score)}`}"></span></div></div>`;
}

function featuresView({ item, model, profile }: ItemView): SafeHtml {
  // In the order of the configuration (the queue stores features as jsonb, which keeps no key order).
  const names = [
    ...Object.keys(model?.features ?? {}).filter((n) => Object.hasOwn(item.features, n)),
    ...Object.keys(item.features).filter((n) => !Object.hasOwn(model?.features ?? {}, n)),
  ];
  // The event's attributions (docs/events.md), beside each feature when it carried them; items of events without
  // attributions (or erased by retention) keep the three columns.
  const attributions = item.attributions ?? {};
  const attributed = Object.keys(attributions).length > 0;
  const attributionCell = (name: string) => {
    if (!attributed) return '';
    const a = Object.hasOwn(attributions, name) ? attributions[name]! : null;
    return html`<td class="attribution num">${a === null ? '—' : `${a > 0 ? '+' : ''}${fmt(a)}`}</td>`;
  };
  const rows = names
    .map((name) => [name, item.features[name] ?? null] as const)
    .map(([name, value]) => {
      const fitted = profile?.features.find((f) => f.name === name);
      let reference: SafeHtml | string = 'no reference profile';
      let unusual = false;
      if (value === null) {
        reference = fitted
          ? html`missing in <span class="num">${pct(fitted.missing / Math.max(1, fitted.rows))}</span> of the reference`
          : reference;
        unusual = true;
      } else if (fitted?.kind === 'numeric' && typeof value === 'number') {
        const low = profileQuantile(fitted, UNUSUAL_QUANTILES[0]);
        const high = profileQuantile(fitted, UNUSUAL_QUANTILES[1]);
        unusual = value < low || value > high;
        // Each number whole (class num): a narrow table wraps between them, never inside one.
        reference = html`p0.5–p99.5 <span class="num">${fmt(low)}</span> – <span class="num">${fmt(high)}</span>; percentile <span class="num">${fmt(100 * profileCdf(fitted, value), 1)}</span>`;
      } else if (fitted?.kind === 'categorical') {
        const at = fitted.categories.indexOf(String(value));
        const share = at < 0 ? 0 : (fitted.counts[at] ?? 0) / Math.max(1, fitted.rows);
        unusual = at < 0;
        reference =
          at < 0 ? 'never seen in the reference' : html`<span class="num">${pct(share)}</span> of the reference`;
      }
      return html`<tr${unusual ? trustedHtml(' class="flag"') : ''}><th scope="row">${name}</th><td class="${typeof value === 'number' ? 'value num' : 'value'}">${value === null ? 'missing' : typeof value === 'number' ? fmt(value) : value}</td>${attributionCell(name)}<td>${reference}</td></tr>`;
    });
  const groups = Object.entries(item.groups);
  return html`<table><thead><tr><th>feature</th><th>value</th>${attributed && html`<th title="the event's attribution, in score units">attribution</th>`}<th>reference</th></tr></thead><tbody>${rows}</tbody></table>
${groups.length > 0 && html`<p class="muted">Groups: ${groups.map(([k, v], i) => html`${i > 0 ? ', ' : ''}${k}=${v ?? 'missing'}`)}</p>`}`;
}

function contextView(item: ReviewItem): SafeHtml {
  const ctx = item.context as {
    window?: { start: number; end: number; version: string; rows: number };
    windowFilledAt?: number;
    metrics?: Array<{ metric: string; feature: string; value: number | null }>;
    openIncidents?: Array<{
      id: string;
      metric: string;
      feature: string;
      group: string;
      severity: string;
      status: string;
      value: number | null;
      threshold: number | null;
    }>;
  };
  const incidents = ctx.openIncidents ?? [];
  return html`${
    ctx.window
      ? html`<p class="muted">Latest analysed window ${iso(ctx.window.start)} – ${iso(ctx.window.end)} (${ctx.window.rows} rows)${ctx.windowFilledAt === undefined ? '' : ', analysed after the item was flagged'}</p>
<table><tbody>${(ctx.metrics ?? []).map((m) => html`<tr><th scope="row">${m.metric}${m.feature && ` ${m.feature}`}</th><td>${m.value === null ? '—' : fmt(m.value)}</td></tr>`)}</tbody></table>`
      : html`<p class="muted">No analysed window yet.</p>`
  }
<h2>Open incidents</h2>
${
  incidents.length === 0
    ? html`<p class="ok">None.</p>`
    : html`<ul>${incidents.map((i) => html`<li>${i.severity} ${i.status}: ${i.metric}${i.feature && ` ${i.feature}`}${i.group && ` ${i.group}`} ${i.value === null ? '' : `= ${fmt(i.value)}`}${i.threshold === null ? '' : ` (threshold ${fmt(i.threshold)})`}</li>`)}</ul>`
}`;
}

/** A reason in words. */
export function describeReason(r: Record<string, unknown> & { policy: string }): string {
  const v = (x: unknown) => (typeof x === 'number' ? fmt(x) : String(x));
  switch (r.policy) {
    case 'audit':
      return `audit: in the uniform random sample (rate ${v(r.rate)})`;
    case 'borderline':
      return `borderline: ${v(r.distance)} from the threshold (margin ${v(r.margin)})`;
    case 'group':
      return `group sample: ${String(r.attribute)}=${String(r.value)} (probability ${v(r.probability)})`;
    case 'unusual':
      if (r.kind === 'missing') return `unusual: ${String(r.feature)} is missing`;
      if (r.kind === 'new_category')
        return `unusual: ${String(r.feature)}=${String(r.value)} was never seen in the reference`;
      if (r.kind === 'out_of_range') {
        const range = r.range as [number, number];
        return `unusual: ${String(r.feature)}=${v(r.value)} is outside ${r.rangeFrom === 'config' ? 'its configured range' : "the reference's [p0.5, p99.5]"} [${v(range[0])}, ${v(range[1])}]`;
      }
      return `unusual: ${String(r.feature)}`;
    default:
      return r.policy;
  }
}

/** Share of the reference below `x`, from the profile's percentile bins (linear within a bin). */
function profileCdf(p: NumericProfile, x: number): number {
  const n = p.rows - p.missing;
  if (n <= 0 || x < p.min) return 0;
  if (x >= p.max) return 1;
  let below = 0;
  let lo = p.min;
  for (let i = 0; i < p.fineEdges.length; i++) {
    const edge = p.fineEdges[i]!;
    const count = p.fineCounts[i] ?? 0;
    if (x < edge) return (below + (edge > lo ? ((x - lo) / (edge - lo)) * count : 0)) / n;
    below += count;
    lo = edge;
  }
  const last = p.fineCounts[p.fineEdges.length] ?? 0;
  return (below + (p.max > lo ? ((x - lo) / (p.max - lo)) * last : 0)) / n;
}

const iso = (ms: number | null): string => (ms === null ? '—' : new Date(ms).toISOString().replace('.000Z', 'Z'));
const pct = (share: number): string => `${fmt(100 * share, 1)}%`;

function fmt(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return value.toExponential(2);
  return String(Number(value.toFixed(digits)));
}
