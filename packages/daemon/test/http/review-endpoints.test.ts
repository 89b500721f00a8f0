/**
 * Reviews and the audit trail over a real socket, on a real PostgreSQL: reviewers notified on open (the first
 * escalation step when a model has none), findings, closing with an outcome, 409 once closed, paging of
 * GET /api/reviews and GET /api/audit, and roles.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAlerting, type Alerting } from '@vigil/alerts';
import { parseConfig, silentLogger } from '@vigil/core';
import { createStore, type Store } from '@vigil/store';
import { WebhookSink, createTestSchema } from '@vigil/test-kit';
import { createHttpApi } from '../../src/http/http-api';
import { PrometheusRegistry } from '../../src/http/prometheus-registry';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const TOKENS = {
  owner: 'owner-token-0123456789',
  responder: 'responder-token-0123456789',
  admin: 'admin-token-0123456789',
};

describe('HTTP API: reviews and the audit trail (PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createTestSchema>>;
  let store: Store;
  let alerting: Alerting;
  let server: Server;
  let base: string;
  let now = T0;
  const reviewerSink = new WebhookSink();
  const ownerSink = new WebhookSink();

  beforeAll(async () => {
    await reviewerSink.start();
    await ownerSink.start();
    const config = parseConfig(
      `
http:
  tokens:
    - { name: alice, role: owner, token: ${TOKENS.owner} }
    - { name: rita, role: responder, token: ${TOKENS.responder} }
    - { name: root, role: admin, token: ${TOKENS.admin} }
notifiers:
  committee: { type: webhook, url: "${reviewerSink.base}/committee" }
models:
  - id: credit-risk
    task: binary
    owner: { name: Risk ML team, webhook: "${ownerSink.base}/owner-credit" }
    reviewers:
      - { name: Ana Validator, webhook: "${reviewerSink.base}/ana" }
      - committee
    features: { age: numeric }
  - id: fraud
    task: binary
    owner: { name: Fraud team, webhook: "${ownerSink.base}/owner-fraud" }
    features: { amount: numeric }
`,
      'vigil.yaml',
      {},
    );
    db = await createTestSchema('review_endpoints');
    store = await createStore({ url: db.url, schema: db.schema, poolSize: 4 });
    alerting = await createAlerting({
      config,
      store,
      now: () => now,
      delivery: { backoffMs: 5, maxAttempts: 2 },
      relay: { aheadMs: 0, pollMs: 60_000, recheckMs: 0 },
    });
    await alerting.start();
    server = createServer(
      createHttpApi({
        store,
        http: config.http,
        registry: new PrometheusRegistry(),
        notReadyReasons: () => [],
        logger: silentLogger,
        now: () => now,
        alerting,
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await alerting?.close();
    await store?.close();
    await db?.drop();
    await reviewerSink.close();
    await ownerSink.close();
  });

  const call = async (method: string, path: string, o: { token?: string; body?: unknown } = {}) => {
    const headers: Record<string, string> = {};
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  it('notifies the reviewers on open, and the first escalation step of a model without reviewers', async () => {
    const opened = await call('POST', '/api/reviews', {
      token: TOKENS.responder,
      body: { model: 'credit-risk', reason: 'quarterly review' },
    });
    expect(opened.status).toBe(201);
    const fallback = await call('POST', '/api/reviews', {
      token: TOKENS.responder,
      body: { model: 'fraud', reason: 'complaint' },
    });
    expect(fallback.status).toBe(201);
    expect(await alerting.flush(10_000)).toBe(true);
    expect(reviewerSink.received.map((r) => [r.path, r.body.type, r.body.reviewId]).sort()).toEqual([
      ['/ana', 'review', opened.body.review.id],
      ['/committee', 'review', opened.body.review.id],
    ]);
    // The owner of credit-risk is not told (its reviewers are); fraud has none, so its owner (step 1) is.
    expect(ownerSink.received.map((r) => [r.path, r.body.reviewId])).toEqual([
      ['/owner-fraud', fallback.body.review.id],
    ]);
  });

  it('records findings with the token as author, closes with an outcome, then answers 409 to every change', async () => {
    now = T0 + 60_000;
    const id = (
      await call('POST', '/api/reviews', {
        token: TOKENS.admin,
        body: { model: 'credit-risk', reason: 'incident follow-up' },
      })
    ).body.review.id as string;
    expect(
      await call('POST', `/api/reviews/${id}/findings`, { token: TOKENS.owner, body: { text: 'x' } }),
    ).toMatchObject({ status: 403 });
    expect(await call('POST', `/api/reviews/${id}/findings`, { body: { text: 'x' } })).toMatchObject({ status: 401 });
    expect(await call('POST', `/api/reviews/${id}/findings`, { token: TOKENS.responder, body: {} })).toMatchObject({
      status: 400,
      body: { error: '"text" is required' },
    });
    now += 1000;
    const finding = await call('POST', `/api/reviews/${id}/findings`, {
      token: TOKENS.responder,
      body: { text: 'the age shift is a new branch, not fraud' },
    });
    expect(finding).toMatchObject({
      status: 201,
      body: {
        finding: { author: 'rita', text: 'the age shift is a new branch, not fraud', at: new Date(now).toISOString() },
      },
    });
    expect(
      await call('POST', `/api/reviews/${id}/close`, { token: TOKENS.responder, body: { outcome: 'retrain' } }),
    ).toMatchObject({ status: 400, body: { error: '"reason" is required' } });
    expect(
      await call('POST', `/api/reviews/${id}/close`, {
        token: TOKENS.responder,
        body: { outcome: 'shrug', reason: 'r' },
      }),
    ).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('no_action, retrain, rollback, retire, other') },
    });
    expect(
      await call('POST', `/api/reviews/${id}/close`, {
        token: TOKENS.owner,
        body: { outcome: 'retrain', reason: 'r' },
      }),
    ).toMatchObject({ status: 403 });
    now += 1000;
    const closed = await call('POST', `/api/reviews/${id}/close`, {
      token: TOKENS.admin,
      body: { outcome: 'retrain', reason: 'drift confirmed by the branch data' },
    });
    expect(closed).toMatchObject({
      status: 200,
      body: {
        review: {
          id,
          status: 'closed',
          outcome: 'retrain',
          closedBy: 'root',
          closedAt: new Date(now).toISOString(),
          closeReason: 'drift confirmed by the branch data',
        },
      },
    });
    expect(
      await call('POST', `/api/reviews/${id}/findings`, { token: TOKENS.admin, body: { text: 'too late' } }),
    ).toMatchObject({
      status: 409,
      body: { code: 'VIGIL_CONFLICT', error: expect.stringContaining('closed by root') },
    });
    expect(
      await call('POST', `/api/reviews/${id}/close`, {
        token: TOKENS.admin,
        body: { outcome: 'no_action', reason: 'again' },
      }),
    ).toMatchObject({ status: 409, body: { code: 'VIGIL_CONFLICT' } });
    expect(
      await call('POST', '/api/reviews/rev_nope/close', {
        token: TOKENS.admin,
        body: { outcome: 'no_action', reason: 'r' },
      }),
    ).toMatchObject({ status: 404 });
    const shown = await call('GET', `/api/reviews/${id}`);
    expect(shown.body.review).toMatchObject({
      status: 'closed',
      outcome: 'retrain',
      findings: [{ author: 'rita', text: 'the age shift is a new branch, not fraud' }],
    });
    const trail = await call(
      'GET',
      `/api/audit?model=credit-risk&from=${encodeURIComponent(new Date(T0 + 60_000).toISOString())}`,
    );
    expect(
      trail.body.entries
        .filter((e: { action: string }) => e.action.startsWith('review.'))
        .map((e: { actor: string; action: string; reason: string | null }) => [e.actor, e.action, e.reason]),
    ).toEqual([
      ['root', 'review.opened', 'incident follow-up'],
      ['rita', 'review.finding_added', null],
      ['root', 'review.closed', 'drift confirmed by the branch data'],
    ]);
  });

  it('lists reviews by model and status, paged with a next cursor; refuses bad filters', async () => {
    for (let i = 0; i < 12; i++) {
      now = T0 + 3_600_000 + i * 1000;
      expect(
        (await call('POST', '/api/reviews', { token: TOKENS.responder, body: { model: 'fraud', reason: `r${i}` } }))
          .status,
      ).toBe(201);
    }
    const reasons: string[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: { reviews: Array<{ reason: string; model: string }>; next: string | null } } =
        await call('GET', `/api/reviews?model=fraud&status=open&limit=5${next ? `&after=${next}` : ''}`);
      expect(page.status).toBe(200);
      reasons.push(...page.body.reviews.map((r) => r.reason));
      next = page.body.next;
      pages += 1;
    } while (next !== null);
    expect(pages).toBe(3);
    expect(reasons).toEqual([...Array.from({ length: 12 }, (_, i) => `r${11 - i}`), 'complaint']);
    expect(
      (await call('GET', '/api/reviews?status=closed')).body.reviews.map((r: { outcome: string }) => r.outcome),
    ).toEqual(['retrain']);
    expect(await call('GET', '/api/reviews?status=done')).toMatchObject({ status: 400 });
    expect(await call('GET', '/api/reviews?after=bm90LWEtY3Vyc29y')).toMatchObject({ status: 400 });
    expect(await call('GET', '/api/reviews?limit=0')).toMatchObject({ status: 400 });
  });

  it('pages the audit log by id with a next cursor, in numeric order past entry 10', async () => {
    const ids: number[] = [];
    let next: string | null = null;
    do {
      const page: { status: number; body: { entries: Array<{ id: string; at: string }>; next: string | null } } =
        await call('GET', `/api/audit?limit=3${next ? `&after=${next}` : ''}`);
      expect(page.status).toBe(200);
      for (const e of page.body.entries) expect(e.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      ids.push(...page.body.entries.map((e) => Number(e.id)));
      next = page.body.next;
    } while (next !== null);
    expect(ids.length).toBeGreaterThan(10);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(await call('GET', '/api/audit?after=1;DROP')).toMatchObject({ status: 400 });
    expect(await call('GET', '/api/audit?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z')).toMatchObject({
      status: 400,
    });
    expect((await call('GET', '/api/audit?model=nope')).body).toEqual({ entries: [], next: null });
  });
});
