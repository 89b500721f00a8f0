/// <reference lib="dom" />
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Report } from '@vigil/analyzers';
import { chromium, type BrowserContext } from 'playwright-core';
import { GATE_DEFAULTS } from '../../src/cli/report-gates';
import { renderReportHtml } from '../../src/report/render-html';
import { runCli } from '../cli/run-cli';
import {
  HOSTILE_FEATURE,
  HOSTILE_GROUP,
  NO_EXPLANATIONS,
  NO_GROUPS,
  NO_LABELS,
  NO_SCORE,
  QUOTED_FEATURE,
  fullReport,
  minimalReport,
  noScoreReport,
  unlabelledReport,
} from './report-fixtures';

const CHROMIUM = '/usr/bin/chromium';

/** The markup of one top-level section, from its opening tag to the next section (or the footer). */
function section(page: string, id: string): string {
  const start = page.search(new RegExp(`<section class="card[a-z -]*" id="${id}">`));
  if (start < 0) throw new Error(`no section ${id}`);
  const next = page.slice(start + 1).search(/<section class="card|<footer>/);
  return page.slice(start, next < 0 ? undefined : start + 1 + next);
}

function sectionIds(page: string): string[] {
  return [...page.matchAll(/<section class="card[a-z -]*" id="([a-z-]+)"/g)].map((m) => m[1] ?? '');
}

/** Ids of the sections rendered as "not computed" cards. */
function notComputedIds(page: string): string[] {
  return [...page.matchAll(/<section class="card not-computed" id="([a-z-]+)"/g)].map((m) => m[1] ?? '');
}

const ALL_SECTIONS = [
  'summary',
  'features',
  'distributions',
  'data-quality',
  'calibration',
  'performance',
  'fairness',
  'explanations',
];

describe('renderReportHtml', () => {
  it('renders every section of a full report', () => {
    const page = renderReportHtml(fullReport());
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(sectionIds(page)).toEqual(ALL_SECTIONS);
    expect(notComputedIds(page)).toEqual([]);
    // One row per feature, one histogram per feature (drifted first) plus the score histogram.
    const features = section(page, 'features');
    expect(features.match(/<tr class="(drifted)?">/g)).toHaveLength(12);
    expect(features.match(/<tr class="drifted">/g)).toHaveLength(5);
    const distributions = section(page, 'distributions');
    expect(distributions.match(/<svg class="chart histogram"/g)).toHaveLength(12 + 1);
    const order = [...distributions.matchAll(/<span class="nowrap"><span class="badge (bad|good)">/g)].map((m) => m[1]);
    expect(order).toEqual([...Array(5).fill('bad'), ...Array(7).fill('good')]);
    expect(page.match(/<svg class="chart histogram"/g)).toHaveLength(12 + 1);
    // Numeric columns with equal-width bins show their shape, and their PSI bins one click away.
    expect(distributions.match(/<svg class="chart distribution"/g)).toHaveLength(3 + 1);
    expect(
      distributions.match(
        /<details class="psi-bins"><summary>PSI bins \(reference deciles\)<\/summary><svg class="chart histogram"/g,
      ),
    ).toHaveLength(3 + 1);
    expect(distributions).toContain('beyond the plotted range: 0 reference, 37 current values');
    expect(page.match(/<svg class="chart reliability"/g)).toHaveLength(1);
    expect(page.match(/<svg class="chart fairness"/g)).toHaveLength(2);
    expect(page).toContain('5<span class="unit">of 12 drifted</span>');
    expect(page).toContain('1<span class="unit">of 2 flagged</span>');
    const fairness = section(page, 'fairness');
    expect(fairness.match(/class="rate insufficient"/g)).toHaveLength(2 * 3 + 2); // two small groups × 3 panels + legends
    expect(fairness).toContain('too few rows');
    expect(section(page, 'calibration')).toContain('Perfectly calibrated');
    expect(page).toContain('0.861'); // AUC
    expect(page).toContain('2026-11-22 10:15:30 UTC');

    // Performance: the confusion matrix at the threshold, ROC and precision–recall curves with AUC and AP.
    const performance = section(page, 'performance');
    for (const count of ['1,902', '811', '4,188', '599'])
      expect(performance).toContain(`<span class="cm-count">${count}</span>`);
    expect(performance).toContain('positive when score ≥ <b>0.5</b>');
    expect(performance).toContain('<td class="num">76.0%</td>'); // TPR = 1902 / (1902 + 599)
    expect(performance.match(/<svg class="chart curve roc"/g)).toHaveLength(1);
    expect(performance.match(/<svg class="chart curve pr"/g)).toHaveLength(1);
    expect(performance).toContain('AUC 0.861');
    expect(performance).toContain('AP 0.742');
    const paths = [...performance.matchAll(/<path class="curve-line" d="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(paths).toHaveLength(2);
    expect(paths[0]?.match(/L/g)).toHaveLength(180); // every ROC point
    expect(paths[1]?.match(/H/g)).toHaveLength(180); // every precision–recall point, as steps

    // Data quality: two rows per feature, values outside the reference highlighted, new category names escaped.
    const quality = section(page, 'data-quality');
    expect(quality.match(/<tr class="ref-row">/g)).toHaveLength(12);
    expect(quality.match(/<tr class="cur-row">/g)).toHaveLength(12);
    expect(quality).toContain('New: &lt;img src=x onerror=alert(1)&gt; &quot;&amp;&#39; (60), north-east (20)');
    expect(quality).toContain(', … 2 more');
    expect(quality).toMatch(/<td class="num flagged">[0-9.]+%<span class="ci">12 below · 140 above<\/span>/);
  });

  it('shows the context: input files, row counts, version and command line, escaped', () => {
    const page = renderReportHtml(fullReport(), {
      inputs: { reference: 'data/ref <2026>.csv', current: 'data/"cur".parquet' },
      version: '0.1.0',
      commandLine: `vigil report --reference 'data/ref <2026>.csv' --current data/"cur".parquet --html out.html`,
    });
    expect(page).toContain('<code class="file" title="data/ref &lt;2026&gt;.csv">data/ref &lt;2026&gt;.csv</code>');
    expect(page).toContain('data/&quot;cur&quot;.parquet');
    expect(page).toContain('<span>Vigil <b>0.1.0</b></span>');
    expect(page).toContain('<meta name="generator" content="Vigil 0.1.0">');
    expect(page).toContain('Command <code>vigil report --reference &#39;data/ref &lt;2026&gt;.csv&#39;');
    expect(page).not.toContain('<2026>');
    expect(page).toContain('<b>10,000</b> rows');
    // Without a context the rows are still there, and no empty file name.
    const bare = renderReportHtml(fullReport());
    expect(bare).not.toContain('class="file"');
    expect(bare).not.toContain('Command <code>');
    expect(bare).toContain('<b>8,000</b> rows');
  });

  it('renders the explanations: NDCG flagged, the grown protected share with its warning, ranked bars and the table, escaped', () => {
    const report = fullReport();
    const x = section(renderReportHtml(report), 'explanations');
    expect(x).toContain('0.62<span class="unit">NDCG@12</span> <span class="badge bad">moved</span>');
    expect(x).toContain('40.0%<span class="unit">of the importance</span> <span class="badge bad">grew</span>');
    expect(x).toContain(
      '<p class="warning">The protected attributes (age) carry 40.0% of the surrogate importance in the current file, against 5.0% in the reference',
    );
    expect(x).toContain('12.0%<span class="unit">of the importance</span> <span class="badge good">steady</span>'); // the proxy
    expect(x).toContain('0.43<span class="unit">R²</span> <span class="badge warn">weak</span>');
    expect(x).toContain('these importances describe the surrogate more than the model');
    // Two bars (reference, current) per feature, in current-rank order, and one table row per feature.
    expect(x.match(/<rect class="ref" x="[0-9.]+" y="[0-9]/g)).toHaveLength(12); // the legend's swatch sits at y -9
    expect(x.match(/<rect class="cur" x="[0-9.]+" y="[0-9]/g)).toHaveLength(12);
    const names = [...x.matchAll(/<text class="group-name[a-z -]*"[^>]*><title>([^<]*)<\/title>/g)].map((m) => m[1]);
    expect(names).toEqual(
      report.explanations!.features.map((f) =>
        f.feature
          .replace(/&/g, '&amp;')
          .replace(/</g, '&lt;')
          .replace(/>/g, '&gt;')
          .replace(/"/g, '&quot;')
          .replace(/'/g, '&#39;'),
      ),
    );
    expect(x.match(/<tr><td class="feature">/g)).toHaveLength(12);
    expect(x).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    expect(x).not.toContain(HOSTILE_FEATURE);
    expect(x).toContain('seed 15, 5 shuffles');
    expect(x).not.toContain('seeded sample');
    // A wide and long file's surrogate fitted on a sample: the page says so, with the rows fitted.
    const sampled = {
      ...report.explanations!,
      surrogate: {
        ...report.explanations!.surrogate!,
        rows: { reference: 4000, current: 3998 },
        fitSample: { seed: 15, completeRows: 4000 },
      },
    };
    expect(section(renderReportHtml({ ...report, explanations: sampled }), 'explanations')).toContain(
      'the surrogate was fitted on a seeded sample (seed 15) of 4,000 and 3,998 complete rows',
    );
    // From logged attributions: no surrogate fit, no permutation columns, and the page says where the numbers come from.
    const logged = {
      ...report.explanations!,
      source: 'attributions' as const,
      surrogateR2: undefined,
      surrogate: undefined,
    };
    const y = section(renderReportHtml({ ...report, explanations: logged }), 'explanations');
    expect(y).toContain('From the attributions logged with the predictions');
    expect(y).not.toContain('Permutation');
    expect(y).not.toContain('R²');
    expect(y).toContain('mean |attribution|');
  });

  it('is self-contained: no scripts, no external resources', () => {
    const page = renderReportHtml(fullReport());
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/\b(src|href)="(?!#)/); // only in-page anchors
    expect(page).not.toMatch(/https?:\/\//);
    expect(page).not.toMatch(/@import|url\((?!#)/);
    expect(page).toContain("default-src 'none'");
  });

  // Issue 19's leftover: the console marked binned features (`binned, ks ±0.003`), the HTML report did not.
  it('marks the features of the binned path, as the console does, escaped and without inline styles', () => {
    const base = fullReport();
    const numeric = base.drift.find((f) => f.kind === 'numeric')!;
    const report: Report = {
      ...base,
      drift: base.drift.map((f) =>
        f === numeric ? { ...f, statistics: 'binned' as const, ksErrorBound: 0.0031, wassersteinErrorBound: 12.5 } : f,
      ),
      dataQuality: base.dataQuality.map((q) =>
        q.feature === numeric.feature && q.kind === 'numeric' ? { ...q, statistics: 'binned' as const } : q,
      ),
    };
    const page = renderReportHtml(report);
    const rowOf = (markup: string, feature: string) =>
      markup.split('<tr').find((r) => r.includes(`title="${feature}"`)) ?? '';
    const features = section(page, 'features');
    expect(rowOf(features, numeric.feature)).toContain(
      '<span class="binned" title="Binned: KS within 0.0031 and W₁ within 12.5 of exact; rows, missing values, min, max, mean and the bin counts are exact">binned, KS ±0.0031</span>',
    );
    // Only that one: the other features are exact.
    expect(features.match(/class="binned"/g)).toHaveLength(1);
    expect(section(page, 'distributions')).toContain('binned: KS ±0.0031, W₁ ±12.5');
    expect(section(page, 'data-quality').match(/binned quantiles/g)).toHaveLength(1);
    expect(rowOf(section(page, 'data-quality'), numeric.feature)).toContain('binned quantiles');
    expect(page).not.toMatch(/ style="/);
    // An exact report has no mark at all.
    const exact = renderReportHtml(base);
    expect(exact).not.toContain('class="binned"');
    expect(exact).not.toMatch(/binned:|binned quantiles/);
  });

  it('escapes every string that comes from the data', () => {
    const page = renderReportHtml(fullReport());
    expect(page).not.toContain(HOSTILE_FEATURE);
    expect(page).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    expect(page).not.toContain(QUOTED_FEATURE);
    expect(page).toContain('channel &quot;web&quot; &amp; &#39;app&#39;');
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt; &quot;&amp;&#39;');
    expect(page).not.toContain('<b>bold</b>');
  });

  it("names the new categories' bar by them, as the data-quality table does, not as (new)", () => {
    const page = renderReportHtml(fullReport());
    const region = section(page, 'distributions').match(
      /<figure class="chart-card" id="feature-\d+">\s*<figcaption><div class="title-row"><h3 title="region">[\s\S]*?<\/figure>/,
    )?.[0];
    expect(region).toBeDefined();
    // Seven new categories: the two most frequent named (escaped, the first a hostile one), the rest counted.
    expect(region).toContain('&lt;img src=x onerror=alert(1)&gt; &quot;&amp;&#39;, north-east + 5 more (new)');
    expect(region).not.toMatch(/>\(new\)</);
    expect(region).not.toContain('\n(new)\n');
  });

  it("tells the fairness flags (for review) from the default gate's threshold", () => {
    const head = section(renderReportHtml(fullReport()), 'fairness').match(
      /<div class="section-head">[\s\S]*?<\/div>/,
    )?.[0];
    expect(head).toContain('flagged for review: differences above 0.1, disparate impact below 0.8');
    expect(head).toContain(
      `the default fairness gate (--fail-on fairness) fails only on a parity difference above ${GATE_DEFAULTS.statisticalParityDifference}`,
    );
    expect(GATE_DEFAULTS.statisticalParityDifference).toBe(0.2);
  });

  it('says why calibration, performance and fairness were not computed without labels or groups', () => {
    const page = renderReportHtml(minimalReport());
    expect(sectionIds(page)).toEqual(ALL_SECTIONS);
    expect(notComputedIds(page)).toEqual(['calibration', 'performance', 'fairness']);
    expect(page).not.toContain('class="chart reliability"');
    expect(page).not.toContain('class="chart fairness"');
    expect(page).not.toContain('class="chart curve');
    expect(section(page, 'calibration')).toContain(`Not computed: ${NO_LABELS}.`);
    expect(section(page, 'performance')).toContain(`Not computed: ${NO_LABELS}.`);
    expect(section(page, 'fairness')).toContain(`Not computed: ${NO_GROUPS}.`);
    expect(section(page, 'summary').match(/Not computed: /g)).toHaveLength(3);
    expect(page).toContain('<a href="#calibration" class="muted-link">');
  });

  it('without a score: no green "ok" and no "0 groups", but the reason everywhere', () => {
    const page = renderReportHtml(noScoreReport());
    expect(notComputedIds(page)).toEqual(['calibration', 'performance', 'fairness', 'explanations']);
    expect(section(page, 'explanations')).toContain(
      `Not computed: ${NO_EXPLANATIONS.replace('<', '&lt;').replace('>', '&gt;')}.`,
    );
    expect(page).not.toContain('<span class="badge good">ok</span>');
    expect(page).not.toContain('0 groups');
    expect(section(page, 'fairness')).toContain('Not computed: needs a score or prediction column.');
    expect(section(page, 'summary')).toContain('Not computed: needs a score or prediction column.');
    expect(section(page, 'summary')).toContain(`Not computed: ${NO_SCORE}.`);
    const distributions = section(page, 'distributions');
    expect(distributions).toContain(`<p class="reason">Not computed: ${NO_SCORE}.</p>`);
    expect(distributions.match(/<svg class="chart histogram"/g)).toHaveLength(3);
  });

  it('without labels: selection-rate fairness, and the label-based differences say they need labels', () => {
    const page = renderReportHtml(unlabelledReport());
    expect(notComputedIds(page)).toEqual(['calibration', 'performance']);
    const fairness = section(page, 'fairness');
    expect(fairness.match(/needs labels in the current file/g)).toHaveLength(2 * 3);
    expect(fairness).not.toContain('needs two sufficient groups');
    expect(fairness).toContain('>Selection rate<');
    expect(fairness).not.toContain('>True positive rate<');
    expect(section(page, 'summary')).toContain('1<span class="unit">of 2 flagged</span>');
  });

  it('a binary report with labels but one class: the confusion matrix, and curves not computed', () => {
    const base = fullReport();
    const performance = { ...base.performance!, roc: undefined, pr: undefined, averagePrecision: undefined };
    const page = renderReportHtml({
      ...base,
      performance,
      sections: { ...base.sections, curves: { computed: false, reason: 'needs negative labels in the current file' } },
    });
    const section_ = section(page, 'performance');
    expect(section_).toContain('<span class="cm-count">1,902</span>');
    expect(section_).toContain('Not computed: needs negative labels in the current file.');
    expect(section_).not.toContain('class="chart curve');
  });

  it('renders regression performance and skips distributions when nothing drifted and there is no score', () => {
    const base = minimalReport();
    const report: Report = {
      ...base,
      task: 'regression',
      drift: base.drift.map((f) => ({ ...f, drifted: false })),
      prediction: undefined,
      performance: { mae: 3.21, rmse: 4.87, bias: -0.42, rows: 1400 },
      summary: { ...base.summary, drifted: [] },
      sections: {
        prediction: { computed: false, reason: 'needs a predicted-value (score) column in both files' },
        calibration: { computed: false, reason: 'binary task only' },
        performance: { computed: true },
        curves: { computed: false, reason: 'binary task only' },
        fairness: { computed: false, reason: NO_GROUPS },
        explanations: { computed: true },
      },
    };
    const page = renderReportHtml(report);
    expect(sectionIds(page)).toEqual(ALL_SECTIONS);
    expect(notComputedIds(page)).toEqual(['calibration', 'fairness']);
    expect(section(page, 'calibration')).toContain('Not computed: binary task only.');
    expect(section(page, 'performance')).not.toContain('Not computed');
    expect(page).toContain('RMSE');
    expect(page).toContain('−0.42');
    expect(page).toContain('0<span class="unit">of 3 drifted</span>');
    // Every feature still has its histogram when none drifted.
    expect(section(page, 'distributions').match(/<svg class="chart histogram"/g)).toHaveLength(3);
  });
});

/** Closes the browser, but never lets a hung browser hang the test run. */
async function closeWithin(context: BrowserContext, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    const outcome = await Promise.race([context.close().then(() => 'closed' as const), timeout]);
    if (outcome === 'timeout') throw new Error(`headless Chromium did not close within ${ms} ms`);
  } finally {
    clearTimeout(timer);
  }
}

interface ChartCheck {
  className: string;
  width: number;
  height: number;
  shapes: number;
  /** The largest text in the chart as drawn: its font size times the chart's scale (drawn width / viewBox width). */
  largestTextPx: number;
}

describe('renderReportHtml in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The report `vigil demo` writes (June's flights against January), from a run on every 200th flight. */
  const demoReport = async (): Promise<string> => {
    const out = join(dir, 'demo');
    const result = await runCli(['demo', '--every', '200', '--out', out], join(__dirname, '../../../..'));
    if (result.code !== 0) throw new Error(`vigil demo failed:\n${result.stderr}`);
    return readFileSync(join(out, 'demo-report.html'), 'utf8');
  };

  /** `vigil report` on the large golden scenario: real figures, the widest the feature table gets in these tests. */
  const goldenReport = async (): Promise<string> => {
    const golden = join(__dirname, '../golden/large');
    const out = join(dir, 'golden-large.html');
    const result = await runCli([
      'report',
      '--reference',
      join(golden, 'reference.csv'),
      '--current',
      join(golden, 'current.csv'),
      '--group-columns',
      'sex,race',
      '--html',
      out,
    ]);
    if (result.code !== 0) throw new Error(`vigil report failed:\n${result.stderr}`);
    return readFileSync(out, 'utf8');
  };

  it.each([
    ['full', async () => renderReportHtml(fullReport())],
    ['golden', goldenReport],
    ['minimal', async () => renderReportHtml(minimalReport())],
    ['no-score', async () => renderReportHtml(noScoreReport())],
    ['unlabelled', async () => renderReportHtml(unlabelledReport())],
    ['demo', demoReport],
  ] as const)(
    'the %s report loads nothing external, fits 1280 and 800 px, and draws its charts',
    async (name, html) => {
      if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-chromium.sh`);
      const file = join(dir, `${name}.html`);
      writeFileSync(file, await html());
      const url = pathToFileURL(file).href;

      const context = await chromium.launchPersistentContext(join(dir, `profile-${name}`), {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
        viewport: { width: 1280, height: 900 },
      });
      try {
        const foreign: string[] = [];
        const problems: string[] = [];
        await context.route('**/*', async (route) => {
          if (route.request().url() === url) return route.continue();
          foreign.push(route.request().url());
          return route.abort();
        });
        context.on('request', (request) => {
          if (request.url() !== url) foreign.push(request.url());
        });
        const page = context.pages()[0] ?? (await context.newPage());
        page.on('console', (message) => {
          if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
        });
        page.on('pageerror', (error) => problems.push(error.message));
        await page.goto(url, { waitUntil: 'load' });
        expect(await page.locator('script').count()).toBe(0);

        for (const width of [1280, 800]) {
          await page.setViewportSize({ width, height: 900 });
          const fit = await page.evaluate(() => ({
            scrollWidth: document.documentElement.scrollWidth,
            innerWidth: window.innerWidth,
          }));
          expect(fit.scrollWidth).toBeLessThanOrEqual(fit.innerWidth);

          // Nothing sticks out of the window; at 1280 px not even inside a scrolling table (the feature table fits).
          const overflow = await page.evaluate((wide) => {
            const out: string[] = [];
            for (const el of Array.from(document.querySelectorAll<HTMLElement>('main *'))) {
              if (!wide && el.closest('.table-scroll')) continue;
              const r = el.getBoundingClientRect();
              if (r.width > 0 && (r.right > window.innerWidth + 0.5 || r.left < -0.5))
                out.push(`${el.tagName}.${el.getAttribute('class') ?? ''}`);
            }
            for (const box of Array.from(document.querySelectorAll<HTMLElement>('.table-scroll'))) {
              if (wide && box.scrollWidth > box.clientWidth)
                out.push(`scrolling table in #${box.closest('section')?.id ?? '?'}`);
            }
            return out;
          }, width === 1280);
          expect(overflow).toEqual([]);

          const sections = await page.evaluate(() =>
            Array.from(document.querySelectorAll('section.card')).map((s) => s.id),
          );
          expect(sections).toEqual(expect.arrayContaining(['summary', 'features', 'distributions', 'data-quality']));
          // Curves are drawn as paths with points, inside their chart.
          const curves = await page.evaluate(() =>
            Array.from(document.querySelectorAll<SVGPathElement>('svg.chart.curve path.curve-line')).map((p) => {
              const box = p.getBBox();
              return { length: p.getTotalLength(), width: box.width, height: box.height };
            }),
          );
          if (name === 'full' || name === 'demo' || name === 'golden') {
            expect(curves).toHaveLength(2);
            for (const c of curves) {
              expect(c.length).toBeGreaterThan(100);
              expect(c.width).toBeGreaterThan(100);
            }
          } else {
            expect(curves).toEqual([]);
          }

          const charts: ChartCheck[] = await page.evaluate(() =>
            // Charts inside a closed <details> (the PSI bins) are not drawn until opened.
            Array.from(document.querySelectorAll<SVGSVGElement>('svg.chart'))
              .filter((svg) => !svg.closest('details:not([open])'))
              .map((svg) => {
                const box = svg.getBoundingClientRect();
                const shapes = Array.from(
                  svg.querySelectorAll<SVGGraphicsElement>('rect, circle, line, polyline, path'),
                ).filter((shape) => {
                  if (shape.closest('defs, .legend') || shape.classList.contains('hit')) return false;
                  const b = shape.getBBox();
                  return b.width > 0 || b.height > 0;
                });
                const scale = box.width / (svg.viewBox.baseVal?.width || box.width);
                const sizes = Array.from(svg.querySelectorAll('text')).map(
                  (t) => parseFloat(getComputedStyle(t).fontSize) * scale,
                );
                return {
                  className: svg.getAttribute('class') ?? '',
                  width: box.width,
                  height: box.height,
                  shapes: shapes.length,
                  largestTextPx: Math.max(0, ...sizes),
                };
              }),
          );
          expect(charts.length).toBeGreaterThan(0);
          for (const chart of charts) {
            expect(chart.width).toBeGreaterThan(100);
            expect(chart.height).toBeGreaterThan(100);
            expect(chart.shapes).toBeGreaterThan(3);
            // No chart's text is larger than the page's own (14 px): the explanations chart, stretched to its card,
            // once drew its 11-12 px labels at about 20 px.
            expect({ chart: chart.className, px: chart.largestTextPx }).toEqual({
              chart: chart.className,
              px: Math.min(14, chart.largestTextPx),
            });
          }
          const shot = join(dir, `${name}-${width}.png`);
          await page.screenshot({ path: shot, fullPage: true });
          // A copy outside the temp dir, for a human to look at after the run.
          copyFileSync(
            shot,
            name === 'full' ? `/tmp/vigil-report-${width}.png` : `/tmp/vigil-report-${name}-${width}.png`,
          );
        }

        // A PSI-bin chart opens without a script and is drawn then.
        if (name === 'full' || name === 'golden') {
          const details = page.locator('details.psi-bins').first();
          await details.locator('summary').click();
          const box = await details.locator('svg.chart.histogram').boundingBox();
          expect(box?.width ?? 0).toBeGreaterThan(100);
        }

        // The escaped hostile names must come through as text, not markup.
        if (name === 'full') {
          const text = await page.locator('body').innerText();
          expect(text).toContain(HOSTILE_FEATURE);
          expect(text).toContain(HOSTILE_GROUP);
        }
        expect(foreign).toEqual([]);
        expect(problems).toEqual([]);
      } finally {
        await closeWithin(context, 10_000);
      }
    },
    120_000,
  );
});
