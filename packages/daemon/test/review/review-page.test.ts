/**
 * The /review page in real Chromium against a real PostgreSQL store: sign in with a reviewer token, claim the next
 * item with its keyboard shortcut, see it with its context (a feature value holding `<script>` shows as text and
 * runs nothing), decide it, see the next; screenshots at 1280 and 800 px. Then the security cases over plain
 * HTTP: roles at sign-in, CSRF (no token, a wrong one, another site's Origin or Sec-Fetch-Site), a strict CSP.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { fitReferenceProfile } from '@vigil/analyzers';
import { createLogger, parseConfig, type Table } from '@vigil/core';
import { createStore, type Store } from '@vigil/store';
import { createTestSchema } from '@vigil/test-kit';
import { createHttpApi } from '../../src/http/http-api';
import { PrometheusRegistry } from '../../src/http/prometheus-registry';
import { batchSpec } from '../../src/pipeline/batch-buckets';
import { ReviewQueueService } from '../../src/review/review-queue-service';

const CHROMIUM = '/usr/bin/chromium';
const TOKENS = { reviewer: `rev-${randomBytes(20).toString('hex')}`, owner: `own-${randomBytes(20).toString('hex')}` };
const XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">';

/**
 * Alt+key as a keyboard sends it: a key-down, then a character event with Alt held, which is what Chromium's access
 * keys (Alt on Linux) answer to. Playwright's keyboard.press sends no character event when Alt is held.
 */
async function pressAccessKey(page: Page, key: string): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const code = `Key${key.toUpperCase()}`;
  const keyCode = key.toUpperCase().charCodeAt(0);
  await cdp.send('Input.dispatchKeyEvent', {
    type: 'rawKeyDown',
    modifiers: 1,
    key,
    code,
    windowsVirtualKeyCode: keyCode,
  });
  await cdp.send('Input.dispatchKeyEvent', { type: 'char', modifiers: 1, text: key, unmodifiedText: key, key, code });
  await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', modifiers: 1, key, code, windowsVirtualKeyCode: keyCode });
  await cdp.detach();
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

describe('the /review page', () => {
  let store: Store;
  let server: Server;
  let base = '';
  let db: Awaited<ReturnType<typeof createTestSchema>>;
  let browser: Browser;
  const shots = mkdtempSync(join(tmpdir(), 'vigil-review-page-'));
  const logs: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing`);
    const config = parseConfig(
      `
http:
  tokens:
    - { name: ana, role: reviewer, token: ${TOKENS.reviewer} }
    - { name: alice, role: owner, token: ${TOKENS.owner} }
models:
  - id: credit-risk
    task: binary
    owner: { name: Risk ML team, webhook: "http://127.0.0.1:9/unused" }
    features: { income: numeric, note: categorical }
    review: { capacityPerHour: 100, borderline: { margin: 0.1 }, unusual: {} }
`,
      'vigil.yaml',
      {},
    );
    const logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
    db = await createTestSchema('review_page');
    store = await createStore({ url: db.url, schema: db.schema, poolSize: 4, logger });
    const model = config.models[0]!;
    const n = 1000;
    const table: Table = {
      source: 'reference',
      rowCount: n,
      columns: new Map([
        [
          'income',
          {
            name: 'income',
            kind: 'numeric' as const,
            values: Float64Array.from({ length: n }, (_, i) => 20_000 + i * 80),
          },
        ],
        [
          'note',
          {
            name: 'note',
            kind: 'categorical' as const,
            categories: ['new', 'renewal'],
            codes: Int32Array.from({ length: n }, (_, i) => i % 2),
          },
        ],
      ]),
    };
    await store.profiles.pin(
      'credit-risk',
      'v1',
      'fp',
      fitReferenceProfile(table, { ...batchSpec(model), score: undefined }),
    );
    const now = Date.now();
    const item = (
      id: string,
      priority: number,
      features: Record<string, number | string | null>,
      reasons: Array<Record<string, unknown> & { policy: string }>,
      attributions?: Record<string, number>,
    ) => ({
      id,
      version: 'v1',
      ts: now - 60_000,
      score: 0.53,
      prediction: 1,
      features,
      groups: {},
      reasons,
      priority,
      ...(attributions ? { attributions } : {}),
    });
    await store.transaction((tx) =>
      tx.reviewQueue.queueFlagged(
        [
          {
            model: 'credit-risk',
            capacityPerHour: 100,
            ttlMs: 86_400_000,
            context: {
              window: { start: now - 3_600_000, end: now, version: 'v1', rows: 500, labelledRows: 0 },
              metrics: [{ metric: 'psi', feature: 'income', value: 0.31 }],
            },
            items: [
              item(
                'first',
                1,
                { income: 150_000, note: XSS },
                [
                  { policy: 'unusual', kind: 'new_category', feature: 'note', value: XSS },
                  {
                    policy: 'unusual',
                    kind: 'out_of_range',
                    feature: 'income',
                    value: 150_000,
                    range: [20_400, 99_600],
                    rangeFrom: 'reference',
                  },
                ],
                { income: 0.21 },
              ),
              item('second', 0.7, { income: 50_000, note: 'renewal' }, [
                { policy: 'borderline', distance: 0.03, margin: 0.1 },
              ]),
            ],
          },
        ],
        now,
      ),
    );
    const queue = new ReviewQueueService(store, config);
    server = createServer(
      createHttpApi({
        store,
        http: config.http,
        registry: new PrometheusRegistry(),
        notReadyReasons: () => [],
        logger,
        reviewQueue: queue,
      }),
    );
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await new Promise((done) => server.close(done));
    await store?.close();
    await db?.drop();
  });

  afterEach(() => {
    for (const line of logs) for (const token of Object.values(TOKENS)) expect(line.includes(token)).toBe(false);
    logs.length = 0;
  });

  it('signs in, claims with the shortcut, shows the item and its context safely, decides it and shows the next', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    const dialogs: string[] = [];
    page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning' ? problems.push(m.text()) : undefined));
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('dialog', (d) => void (dialogs.push(d.message()), d.dismiss()));
    await context.route('**/*', (route) =>
      route.request().url().startsWith(base)
        ? route.continue()
        : (problems.push(`foreign ${route.request().url()}`), route.abort()),
    );

    const first = await page.goto(`${base}/review`);
    expect(first?.headers()['content-security-policy']).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    await page.fill('#token', TOKENS.reviewer);
    await page.click('button[type=submit]');
    await page.waitForLoadState('load');
    if ((await page.locator('#idle').count()) === 0)
      throw new Error(`after sign-in: ${page.url()} ${(await page.content()).slice(-1500)}`);
    expect(await page.textContent('#idle h2')).toBe('2 items waiting');
    expect(await page.textContent('#reviewer')).toBe('Signed in as ana');
    expect(await page.textContent('#today')).toBe('0 decided today');
    const cookie = (await context.cookies()).find((c) => c.name === 'vigil_review')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/review' });

    // The access key of "Claim the next item" (Alt+N in Chromium on Linux).
    await pressAccessKey(page, 'n');
    await page.waitForLoadState('load');
    await page.waitForSelector('#item');
    expect(await page.textContent('#item h2')).toContain('prediction first');
    // The hostile value is text: no script element from it, nothing ran, no dialog.
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('#features img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.textContent('#features td.value >> nth=1')).toBe(XSS);
    expect(await page.textContent('#reasons')).toContain(`note=${XSS} was never seen in the reference`);
    // Against the reference: the income is beyond its p99.5, the note never seen.
    const incomeRow = page.locator('#features tr', { hasText: 'income' });
    expect(await incomeRow.getAttribute('class')).toBe('flag');
    expect(await incomeRow.textContent()).toMatch(/p0\.5–p99\.5 20\d{3}(\.\d+)? – 99\d{3}(\.\d+)?; percentile 100/);
    expect(await page.textContent('#score')).toContain(
      'Score 0.53 against the threshold 0.5 (distance 0.03): predicted 1.',
    );
    expect(await page.textContent('#context')).toContain('psi income');
    // The event's attributions beside its features: income carried one, note none.
    expect(await page.locator('#features thead th').allTextContents()).toEqual([
      'feature',
      'value',
      'attribution',
      'reference',
    ]);
    expect(await incomeRow.locator('td.attribution').textContent()).toBe('+0.21');
    expect(await page.locator('#features tr', { hasText: 'note' }).locator('td.attribution').textContent()).toBe('—');

    // Numbers stay whole at every width (a narrow window wrapped 150000 as 1500/00): each number in the features
    // table lies on one line. Where a value's text wraps, it wraps between words.
    for (const width of [1280, 800, 560, 420]) {
      await page.setViewportSize({ width, height: 900 });
      const split = await page.evaluate(() => {
        const out: string[] = [];
        const walker = document.createTreeWalker(document.querySelector('#features tbody')!, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          for (const m of (node.textContent ?? '').matchAll(/[-+]?\d[\d.,]*(?:e[-+]?\d+)?%?/g)) {
            const range = document.createRange();
            range.setStart(node, m.index);
            range.setEnd(node, m.index + m[0].length);
            const lines = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top)));
            if (lines.size > 1) out.push(m[0]);
          }
        }
        return out;
      });
      expect({ width, split }).toEqual({ width, split: [] });
    }

    for (const width of [1280, 800]) {
      await page.setViewportSize({ width, height: 900 });
      const fit = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
      }));
      expect(fit.scrollWidth).toBeLessThanOrEqual(fit.innerWidth);
      const file = join(shots, `review-${width}.png`);
      await page.screenshot({ path: file, fullPage: true });
      expect(statSync(file).size).toBeGreaterThan(10_000);
    }

    await page.selectOption('#label', '0');
    await page.fill('#reason', 'the note field holds markup, <script> included');
    await pressAccessKey(page, 'o');
    await page.waitForSelector('#notice');
    expect(await page.textContent('#notice')).toMatch(/^Decided item \d+\.$/);
    // The next item is claimed and shown at once.
    expect(await page.textContent('#item h2')).toContain('prediction second');
    // An event without attributions keeps the three columns.
    expect(await page.locator('#features thead th').allTextContents()).toEqual(['feature', 'value', 'reference']);
    expect(await page.textContent('#today')).toBe('1 decided today');
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();

    const entries = await store.transaction((tx) => tx.audit.log({ model: 'credit-risk' }));
    expect(entries.map((e) => [e.actor, e.action])).toEqual([
      ['ana', 'review_item.claimed'],
      ['ana', 'review_item.decided'],
      ['ana', 'review_item.claimed'],
    ]);
    const decided = await store.transaction((tx) =>
      tx.query<{ verdict: string; label: number; verdict_reason: string }>(
        `SELECT verdict, label, verdict_reason FROM vigil_review_queue WHERE prediction_id = 'first'`,
      ),
    );
    expect(decided.rows).toEqual([
      { verdict: 'override', label: 0, verdict_reason: 'the note field holds markup, <script> included' },
    ]);
  }, 120_000);

  const send = (
    method: string,
    path: string,
    o: { headers?: Record<string, string>; form?: Record<string, string> } = {},
  ): Promise<Answer> =>
    new Promise((done, fail) => {
      const body = o.form ? new URLSearchParams(o.form).toString() : undefined;
      const req = request(
        `${base}${path}`,
        { method, headers: { ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...o.headers } },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () =>
            done({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString('utf8') }),
          );
        },
      );
      req.on('error', fail);
      req.end(body);
    });

  it('refuses other roles and wrong tokens at sign-in, and forms without the CSRF token or from another site', async () => {
    expect((await send('POST', '/review/sign-in', { form: { token: 'nope' } })).status).toBe(401);
    const owner = await send('POST', '/review/sign-in', { form: { token: TOKENS.owner } });
    expect(owner.status).toBe(403);
    expect(owner.text).toContain('the review page needs reviewer or admin');
    expect(owner.headers['set-cookie']).toBeUndefined();
    expect(
      (
        await send('POST', '/review/sign-in', {
          form: { token: TOKENS.reviewer },
          headers: { origin: 'http://evil.example' },
        })
      ).status,
    ).toBe(403);

    const signIn = await send('POST', '/review/sign-in', { form: { token: TOKENS.reviewer } });
    expect(signIn.status).toBe(303);
    const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
    const idle = await send('GET', '/review', { headers: { cookie } });
    expect(idle.headers['content-security-policy']).toContain("default-src 'none'");
    expect(idle.headers['x-frame-options']).toBe('DENY');
    const csrf = /name="csrf" value="([^"]+)"/.exec(idle.text)![1]!;
    // Claim an item unless the session's reviewer holds one (the test above leaves one claimed).
    if (!idle.text.includes('/verdict"'))
      expect((await send('POST', '/review/next', { headers: { cookie }, form: { csrf } })).status).toBe(303);
    const home = await send('GET', '/review', { headers: { cookie } });
    const id = /action="\/review\/items\/(\d+)\/verdict"/.exec(home.text)![1]!;
    const snapshot = async () =>
      JSON.stringify(
        (await store.transaction((tx) => tx.query(`SELECT id, status, verdict FROM vigil_review_queue ORDER BY id`)))
          .rows,
      );
    const before = await snapshot();
    const verdict = { verdict: 'agree', label: '1', reason: 'fine' };
    expect((await send('POST', `/review/items/${id}/verdict`, { headers: { cookie }, form: verdict })).status).toBe(
      403,
    );
    expect(
      (
        await send('POST', `/review/items/${id}/verdict`, {
          headers: { cookie },
          form: { ...verdict, csrf: `${csrf.slice(0, -1)}x` },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await send('POST', `/review/items/${id}/verdict`, {
          headers: { cookie, origin: 'http://evil.example' },
          form: { ...verdict, csrf },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await send('POST', `/review/items/${id}/verdict`, {
          headers: { cookie, 'sec-fetch-site': 'cross-site' },
          form: { ...verdict, csrf },
        })
      ).status,
    ).toBe(403);
    expect((await send('POST', `/review/items/${id}/verdict`, { form: { ...verdict, csrf } })).status).toBe(401);
    expect(
      (
        await send('POST', `/review/items/${id}/verdict`, {
          headers: { cookie: 'vigil_review=forged' },
          form: { ...verdict, csrf },
        })
      ).status,
    ).toBe(401);
    const hostile = await send('POST', `/review/items/${id}/verdict`, {
      headers: { cookie },
      form: { ...verdict, verdict: XSS, csrf },
    });
    expect(hostile.status).toBe(400);
    expect(hostile.text).not.toContain('<script>');
    expect(await snapshot()).toBe(before);
    // With the token and from this site, it goes through.
    expect(
      (
        await send('POST', `/review/items/${id}/verdict`, {
          headers: { cookie, origin: base },
          form: { ...verdict, csrf },
        })
      ).status,
    ).toBe(303);
    expect(await snapshot()).not.toBe(before);
    // Signed out, the cookie is worth nothing.
    expect((await send('POST', '/review/sign-out', { headers: { cookie }, form: { csrf } })).status).toBe(303);
    expect((await send('GET', '/review', { headers: { cookie } })).text).toContain('id="sign-in"');
  });
});
