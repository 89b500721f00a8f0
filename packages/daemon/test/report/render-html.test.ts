/// <reference lib="dom" />
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Report } from '@vigil/analyzers';
import { chromium, type BrowserContext } from 'playwright-core';
import { renderReportHtml } from '../../src/report/render-html';
import { runCli } from '../cli/run-cli';
import { HOSTILE_FEATURE, HOSTILE_GROUP, QUOTED_FEATURE, fullReport, minimalReport } from './report-fixtures';

const CHROMIUM = '/usr/bin/chromium';

/** The markup of one top-level section, from its opening tag to the next section (or the footer). */
function section(page: string, id: string): string {
  const start = page.indexOf(`<section class="card" id="${id}">`);
  if (start < 0) throw new Error(`no section ${id}`);
  const next = page.slice(start + 1).search(/<section class="card"|<footer>/);
  return page.slice(start, next < 0 ? undefined : start + 1 + next);
}

function sectionIds(page: string): string[] {
  return [...page.matchAll(/<section class="card" id="([a-z-]+)"/g)].map((m) => m[1] ?? '');
}

describe('renderReportHtml', () => {
  it('renders every section of a full report', () => {
    const page = renderReportHtml(fullReport());
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(sectionIds(page)).toEqual(['summary', 'features', 'distributions', 'calibration', 'performance', 'fairness']);
    // One row per feature, one histogram per drifted feature plus the score histogram.
    const features = section(page, 'features');
    expect(features.match(/<tr class="(drifted)?">/g)).toHaveLength(12);
    expect(features.match(/<tr class="drifted">/g)).toHaveLength(5);
    expect(page.match(/<svg class="chart histogram"/g)).toHaveLength(5 + 1);
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
  });

  it('is self-contained: no scripts, no external resources', () => {
    const page = renderReportHtml(fullReport());
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/\b(src|href)="(?!#)/); // only in-page anchors
    expect(page).not.toMatch(/https?:\/\//);
    expect(page).not.toMatch(/@import|url\((?!#)/);
    expect(page).toContain("default-src 'none'");
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

  it('leaves out calibration, performance and fairness without labels or groups', () => {
    const page = renderReportHtml(minimalReport());
    expect(sectionIds(page)).toEqual(['summary', 'features', 'distributions']);
    expect(page).not.toContain('class="chart reliability"');
    expect(page).not.toContain('class="chart fairness"');
    expect(page).toContain('No labels in the current data.');
    expect(page).toContain('No group columns in the data.');
    expect(page).not.toContain('href="#calibration"');
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
    };
    const page = renderReportHtml(report);
    expect(sectionIds(page)).toEqual(['summary', 'features', 'performance']);
    expect(page).toContain('RMSE');
    expect(page).toContain('−0.42');
    expect(page).toContain('0<span class="unit">of 3 drifted</span>');
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

  it.each([
    ['full', async () => renderReportHtml(fullReport())],
    ['minimal', async () => renderReportHtml(minimalReport())],
    ['demo', demoReport],
  ] as const)('the %s report loads nothing external, fits 1280 and 800 px, and draws its charts', async (name, html) => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-chromium.sh`);
    const file = join(dir, `${name}.html`);
    writeFileSync(file, await html());
    const url = pathToFileURL(file).href;

    const context = await chromium.launchPersistentContext(join(dir, `profile-${name}`), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
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

        const charts: ChartCheck[] = await page.evaluate(() =>
          Array.from(document.querySelectorAll<SVGSVGElement>('svg.chart')).map((svg) => {
            const box = svg.getBoundingClientRect();
            const shapes = Array.from(svg.querySelectorAll<SVGGraphicsElement>('rect, circle, line, polyline, path')).filter(
              (shape) => {
                if (shape.closest('defs, .legend') || shape.classList.contains('hit')) return false;
                const b = shape.getBBox();
                return b.width > 0 || b.height > 0;
              },
            );
            return { className: svg.getAttribute('class') ?? '', width: box.width, height: box.height, shapes: shapes.length };
          }),
        );
        expect(charts.length).toBeGreaterThan(0);
        for (const chart of charts) {
          expect(chart.width).toBeGreaterThan(100);
          expect(chart.height).toBeGreaterThan(100);
          expect(chart.shapes).toBeGreaterThan(3);
        }
        const shot = join(dir, `${name}-${width}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        // A copy outside the temp dir, for a human to look at after the run.
        copyFileSync(shot, name === 'full' ? `/tmp/vigil-report-${width}.png` : `/tmp/vigil-report-${name}-${width}.png`);
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
  }, 120_000);
});
