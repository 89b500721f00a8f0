/**
 * The review-queue endpoints (docs/review.md, "HTTP API") over a real socket and a real PostgreSQL store: only
 * reviewer and admin tokens pass, even to read (items hold personal data); injection strings in every path
 * parameter, query parameter and body field are data; a refusal changes nothing; every claim and verdict is in
 * the audit log with the token's name; no token appears in an answer or the log.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createLogger, parseConfig } from '@vigil/core';
import { createPostgresClient, createStore, type SqlClient, type Store } from '@vigil/store';
import { createTestSchema } from '@vigil/test-kit';
import { createHttpApi } from '../../src/http/http-api';
import { PrometheusRegistry } from '../../src/http/prometheus-registry';
import { REVIEW_QUEUE_ROLES } from '../../src/http/review-queue-routes';
import { ReviewQueueService } from '../../src/review/review-queue-service';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const TOKENS = {
  owner: `own-${randomBytes(20).toString('hex')}`,
  responder: `rsp-${randomBytes(20).toString('hex')}`,
  admin: `adm-${randomBytes(20).toString('hex')}`,
  reviewer: `rev-${randomBytes(20).toString('hex')}`,
  reviewer2: `rv2-${randomBytes(20).toString('hex')}`,
};
type Role = keyof typeof TOKENS;
const HOSTILE = [
  "'; DROP TABLE vigil_review_queue; --",
  '1 OR 1=1',
  "' OR '1'='1",
  '../../etc/passwd',
  '%2e%2e%2f',
  '<script>alert(1)</script>',
  'nul\u0000byte',
];
const hasNul = (s: string) => s.includes('\u0000');

interface Answer {
  status: number;
  text: string;
  body: Record<string, unknown> | null;
}

describe('review-queue endpoints: roles, tokens, injection', () => {
  let store: Store;
  let sql: SqlClient;
  let server: Server;
  let port = 0;
  let db: Awaited<ReturnType<typeof createTestSchema>>;
  let ids: string[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    const config = parseConfig(
      `
http:
  tokens:
    - { name: alice, role: owner, token: ${TOKENS.owner} }
    - { name: rita, role: responder, token: ${TOKENS.responder} }
    - { name: root, role: admin, token: ${TOKENS.admin} }
    - { name: ana, role: reviewer, token: ${TOKENS.reviewer} }
    - { name: bo, role: reviewer, token: ${TOKENS.reviewer2} }
models:
  - id: credit-risk
    task: binary
    owner: { name: Risk ML team, webhook: "http://127.0.0.1:9/unused" }
    features: { note: categorical, income: numeric }
    review: { capacityPerHour: 100, borderline: { margin: 0.1 } }
`,
      'vigil.yaml',
      {},
    );
    const logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
    db = await createTestSchema('security_review_queue');
    store = await createStore({ url: db.url, schema: db.schema, poolSize: 4, logger });
    const items = Array.from({ length: 20 }, (_, i) => ({
      id: `p${i}`,
      version: 'v1',
      ts: T0 - 1000,
      score: 0.55,
      prediction: 1,
      features: { note: HOSTILE[i % HOSTILE.length]!.replace('\u0000', ''), income: 1 },
      groups: {},
      reasons: [{ policy: 'borderline', distance: 0.05, margin: 0.1 }],
      priority: 0.5 - i / 100,
    }));
    await store.transaction((tx) =>
      tx.reviewQueue.queueFlagged(
        [{ model: 'credit-risk', capacityPerHour: 100, ttlMs: 86_400_000, context: {}, items }],
        T0,
      ),
    );
    const queue = new ReviewQueueService(store, config, () => T0 + 1000);
    ids = (await queue.list({ model: 'credit-risk' })).map((i) => i.id);
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
    port = (server.address() as AddressInfo).port;
    sql = createPostgresClient({ url: db.url, schema: db.schema, poolSize: 1 });
  }, 60_000);

  afterAll(async () => {
    if (server) await new Promise((done) => server.close(done));
    await sql?.close();
    await store?.close();
    await db?.drop();
  });

  afterEach(() => {
    for (const line of logs) expectClean(line);
    logs.length = 0;
  });

  function expectClean(text: string): void {
    for (const token of Object.values(TOKENS)) expect(text.includes(token)).toBe(false);
    expect(/\bat [^\n]*:\d+:\d+|\/packages\/[a-z]+\/(src|dist)\//.test(text)).toBe(false);
  }

  const call = (
    method: string,
    path: string,
    o: { role?: Role; authorization?: string; body?: unknown; raw?: string } = {},
  ): Promise<Answer> =>
    new Promise((done, fail) => {
      const headers: Record<string, string> = {};
      if (o.role) headers.authorization = `Bearer ${TOKENS[o.role]}`;
      if (o.authorization !== undefined) headers.authorization = o.authorization;
      const body = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
      if (body !== undefined) headers['content-type'] = 'application/json';
      const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          done({
            status: res.statusCode ?? 0,
            text,
            body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : null,
          });
        });
      });
      req.on('error', fail);
      req.end(body);
    });

  const snapshot = async () =>
    (
      await sql.query<{ h: string }>(
        `SELECT (SELECT md5(coalesce(string_agg(q::text, '|' ORDER BY q.id), '')) FROM vigil_review_queue q) || (SELECT count(*)::text FROM vigil_audit_log) || (SELECT count(*)::text FROM vigil_orphan_labels) AS h`,
      )
    ).rows[0]!.h;
  async function unchanged(what: string, act: () => Promise<void>): Promise<void> {
    const before = await snapshot();
    await act();
    expect({ what, after: await snapshot() }).toEqual({ what, after: before });
  }
  function refused(answer: Answer, status: number | number[], what: string): void {
    const allowed = typeof status === 'number' ? [status] : status;
    expect({
      what,
      status: allowed.includes(answer.status) ? 'ok' : answer.status,
      text: allowed.includes(answer.status) ? '' : answer.text,
    }).toEqual({ what, status: 'ok', text: '' });
    expect(typeof answer.body?.error).toBe('string');
    expectClean(answer.text);
  }

  const ENDPOINTS = [
    { method: 'GET', path: () => '/api/review-queue', key: 'GET /api/review-queue' },
    { method: 'GET', path: () => `/api/review-queue/${ids[0]}`, key: 'GET /api/review-queue/:id' },
    {
      method: 'POST',
      path: () => `/api/review-queue/${ids[0]}/claim`,
      key: 'POST /api/review-queue/:id/claim',
      body: {},
    },
    {
      method: 'POST',
      path: () => `/api/review-queue/${ids[0]}/verdict`,
      key: 'POST /api/review-queue/:id/verdict',
      body: { verdict: 'agree', reason: 'r' },
    },
  ] as const;

  it('lets only reviewer and admin tokens in, even to read; the docs say the same', async () => {
    await unchanged('refused roles and tokens', async () => {
      for (const e of ENDPOINTS) {
        expect(REVIEW_QUEUE_ROLES[e.key]).toEqual(['reviewer', 'admin']);
        const body = 'body' in e ? e.body : undefined;
        for (const authorization of [
          undefined,
          `Bearer ${randomBytes(24).toString('hex')}`,
          `Bearer ${TOKENS.reviewer}x`,
          TOKENS.reviewer,
          "Bearer ' OR '1'='1",
        ]) {
          refused(
            await call(e.method, e.path(), { ...(authorization ? { authorization } : {}), ...(body ? { body } : {}) }),
            401,
            `${e.key} with a bad token`,
          );
        }
        for (const role of ['owner', 'responder'] as const) {
          const answer = await call(e.method, e.path(), { role, ...(body ? { body } : {}) });
          refused(answer, 403, `${e.key} as ${role}`);
          expect(answer.body?.error).toContain('needs reviewer or admin');
        }
      }
    });
    const docs = readFileSync(resolve(__dirname, '../../../../docs/review.md'), 'utf8');
    for (const [endpoint, roles] of Object.entries(REVIEW_QUEUE_ROLES)) {
      const row = docs.split('\n').find((l) => l.startsWith(`| \`${endpoint}`));
      expect({ endpoint, roles: row?.split('|')[2]?.trim() }).toEqual({ endpoint, roles: roles.join(', ') });
    }
  });

  it('treats hostile path and query parameters as data', async () => {
    await unchanged('hostile parameters', async () => {
      for (const s of HOSTILE) {
        for (const suffix of ['', '/claim', '/verdict']) {
          const answer = await call(
            suffix === '' ? 'GET' : 'POST',
            `/api/review-queue/${encodeURIComponent(s)}${suffix}`,
            {
              role: 'reviewer',
              ...(suffix === '/verdict' ? { body: { verdict: 'agree', reason: 'r' } } : suffix ? { body: {} } : {}),
            },
          );
          refused(answer, hasNul(s) ? 400 : 404, `path ${JSON.stringify(s)}${suffix}`);
        }
        for (const name of ['model', 'status', 'reason', 'limit', 'q']) {
          const answer = await call('GET', `/api/review-queue?${new URLSearchParams({ [name]: s }).toString()}`, {
            role: 'reviewer',
          });
          if (hasNul(s) || name === 'status' || name === 'reason' || name === 'limit')
            refused(answer, 400, `${name}=${JSON.stringify(s)}`);
          else {
            expect(answer.status).toBe(200);
            if (name === 'model') expect(answer.body?.items).toEqual([]);
          }
        }
      }
    });
  });

  it('refuses bad verdict bodies and stores hostile reasons as plain text, with an audit entry per claim and verdict', async () => {
    const bad = [
      {},
      { verdict: 'maybe', reason: 'r' },
      { verdict: 'agree' },
      { verdict: 'agree', reason: '' },
      { verdict: 'agree', reason: 5 },
      { verdict: 'override', label: '1', reason: 'r' },
      { verdict: 'override', label: 7, reason: 'r' },
      { verdict: 'agree', label: 0, reason: 'r' },
      { verdict: 'agree', reason: 'r', extra: 1 },
      { verdict: 'agree', reason: 'r'.repeat(2001) },
    ];
    // Claimed by ana: bo's verdict is a conflict; unclaimed items cannot be decided.
    expect((await call('POST', `/api/review-queue/${ids[1]}/claim`, { role: 'reviewer', body: {} })).status).toBe(200);
    await unchanged('bad verdicts', async () => {
      for (const body of bad)
        refused(
          await call('POST', `/api/review-queue/${ids[1]}/verdict`, { role: 'reviewer', body }),
          400,
          `verdict ${JSON.stringify(body).slice(0, 60)}`,
        );
      refused(
        await call('POST', `/api/review-queue/${ids[1]}/verdict`, { role: 'reviewer', raw: '{"verdict":' }),
        400,
        'malformed JSON',
      );
      refused(
        await call('POST', `/api/review-queue/${ids[1]}/verdict`, {
          role: 'reviewer2',
          body: { verdict: 'agree', reason: 'r' },
        }),
        409,
        'verdict by another reviewer',
      );
      refused(
        await call('POST', `/api/review-queue/${ids[2]}/verdict`, {
          role: 'reviewer',
          body: { verdict: 'agree', reason: 'r' },
        }),
        409,
        'verdict before a claim',
      );
      refused(
        await call('POST', `/api/review-queue/${ids[1]}/claim`, { role: 'reviewer2', body: {} }),
        409,
        'claim of a claimed item',
      );
      refused(
        await call('POST', `/api/review-queue/${ids[1]}/claim`, { role: 'reviewer', body: { reason: 'x' } }),
        400,
        'claim with a field',
      );
    });
    let n = 2;
    for (const s of HOSTILE) {
      const id = ids[n++]!;
      expect((await call('POST', `/api/review-queue/${id}/claim`, { role: 'admin', body: {} })).status).toBe(200);
      const answer = await call('POST', `/api/review-queue/${id}/verdict`, {
        role: 'admin',
        body: { verdict: 'override', label: 0, reason: s },
      });
      if (hasNul(s)) {
        refused(answer, 400, 'a NUL in the reason');
        continue;
      }
      expect(answer.status).toBe(200);
      expect(answer.body?.item).toMatchObject({
        status: 'decided',
        verdict: 'override',
        label: 0,
        verdictReason: s,
        decidedBy: 'root',
      });
      const audit = await sql.query<{ action: string; actor: string; reason: string | null }>(
        `SELECT action, actor, reason FROM vigil_audit_log WHERE details ->> 'reviewItem' = $1 ORDER BY id`,
        [id],
      );
      expect(audit.rows).toEqual([
        { action: 'review_item.claimed', actor: 'root', reason: null },
        { action: 'review_item.decided', actor: 'root', reason: s },
      ]);
    }
    expect((await sql.query(`SELECT 1 FROM vigil_review_queue`)).rowCount).toBe(20);
    const shown = await call('GET', `/api/review-queue/${ids[5]}`, { role: 'reviewer' });
    // A hostile feature value comes back as JSON data, never interpreted.
    expect((shown.body?.item as { features: { note: string } }).features.note).toBe(HOSTILE[5]);
  });
});
