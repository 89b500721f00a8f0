/**
 * Issue 6, security: every route of the HTTP API, over a real socket and a real PostgreSQL store, is tried without a
 * token, with a wrong one, with a role that may not; with oversized, malformed and mistyped bodies; with SQL-injection
 * and path-traversal strings in every path parameter, query parameter and body field. A refusal is the 4xx the API
 * defines, with a reason, never a 5xx; it changes nothing in the database (every table's rows are hashed before and
 * after); and no token, stack trace or source path appears in a response or in the captured log.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createAlerting, type Alerting } from '@vigil/alerts';
import { createLogger, parseConfig, type HttpRole, type HttpTokenConfig } from '@vigil/core';
import { createPostgresClient, createStore, type SqlClient, type Store } from '@vigil/store';
import { createTestSchema } from '@vigil/test-kit';
import { WRITE_ROLES } from '../../src/http/alert-routes';
import { apiRoutes, createHttpApi } from '../../src/http/http-api';
import { PrometheusRegistry } from '../../src/http/prometheus-registry';
import { MAX_BODY_BYTES } from '../../src/http/request-body';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const HOUR = 3_600_000;
const TOKENS = {
  owner: `own-${randomBytes(20).toString('hex')}`,
  responder: `rsp-${randomBytes(20).toString('hex')}`,
  admin: `adm-${randomBytes(20).toString('hex')}`,
};
type Role = keyof typeof TOKENS;
const ROLES: Role[] = ['owner', 'responder', 'admin'];

/** Injection and traversal strings; each goes into every path parameter, query parameter and body field. */
const HOSTILE = [
  "'; DROP TABLE vigil_incidents; --",
  '1 OR 1=1',
  "' OR '1'='1",
  '../../etc/passwd',
  '%2e%2e%2f',
  '..%2F..%2Fetc%2Fpasswd',
  '%E0%A4%A',
  'nul\u0000byte',
];
const hasNul = (s: string) => s.includes('\u0000');

/** What the tests know about each endpoint; checked against the API's own route table below. */
interface Endpoint {
  method: 'GET' | 'POST';
  /** With `:id` for the path parameter. */
  template: string;
  access: 'open' | 'read' | readonly HttpRole[];
  /** Sample value of `:id` that exists (the request succeeds with a valid body). */
  id?: () => string;
  query?: string[];
  /** A valid body of the write endpoint, and its fields. */
  body?: () => Record<string, unknown>;
  fields?: string[];
}

let incidentIds: string[] = [];
let reviewId = '';
const ENDPOINTS: Endpoint[] = [
  { method: 'GET', template: '/healthz', access: 'open' },
  { method: 'GET', template: '/readyz', access: 'open' },
  { method: 'GET', template: '/metrics', access: 'open' },
  { method: 'GET', template: '/api/models', access: 'read' },
  {
    method: 'GET',
    template: '/api/models/:id/windows',
    access: 'read',
    id: () => 'credit-risk',
    query: ['from', 'to', 'version'],
  },
  { method: 'GET', template: '/api/incidents', access: 'read', query: ['status', 'model', 'limit'] },
  { method: 'GET', template: '/api/incidents/:id', access: 'read', id: () => incidentIds[0]! },
  {
    method: 'POST',
    template: '/api/incidents/:id/ack',
    access: WRITE_ROLES['POST /api/incidents/:id/ack'],
    id: () => incidentIds[0]!,
    body: () => ({ reason: 'r' }),
    fields: ['reason'],
  },
  {
    method: 'POST',
    template: '/api/incidents/:id/resolve',
    access: WRITE_ROLES['POST /api/incidents/:id/resolve'],
    id: () => incidentIds[0]!,
    body: () => ({ reason: 'r' }),
    fields: ['reason'],
  },
  {
    method: 'POST',
    template: '/api/silences',
    access: WRITE_ROLES['POST /api/silences'],
    body: () => ({ model: 'fraud', metric: 'psi', duration: '1h', reason: 'r' }),
    fields: ['model', 'version', 'metric', 'feature', 'group', 'incidentId', 'expiresAt', 'duration', 'reason'],
  },
  {
    method: 'POST',
    template: '/api/reviews',
    access: WRITE_ROLES['POST /api/reviews'],
    body: () => ({ model: 'fraud', reason: 'r' }),
    fields: ['model', 'version', 'reason', 'from', 'to'],
  },
  { method: 'GET', template: '/api/reviews', access: 'read', query: ['model', 'status', 'limit', 'after'] },
  { method: 'GET', template: '/api/reviews/:id', access: 'read', id: () => reviewId },
  {
    method: 'POST',
    template: '/api/reviews/:id/findings',
    access: WRITE_ROLES['POST /api/reviews/:id/findings'],
    id: () => reviewId,
    body: () => ({ text: 't' }),
    fields: ['text'],
  },
  {
    method: 'POST',
    template: '/api/reviews/:id/close',
    access: WRITE_ROLES['POST /api/reviews/:id/close'],
    id: () => reviewId,
    body: () => ({ outcome: 'no_action', reason: 'r' }),
    fields: ['outcome', 'reason'],
  },
  { method: 'GET', template: '/api/audit', access: 'read', query: ['model', 'from', 'to', 'limit', 'after'] },
  {
    method: 'POST',
    template: '/api/models/:id/pause',
    access: WRITE_ROLES['POST /api/models/:id/pause'],
    id: () => 'fraud',
    body: () => ({ reason: 'r' }),
    fields: ['reason'],
  },
  {
    method: 'POST',
    template: '/api/models/:id/resume',
    access: WRITE_ROLES['POST /api/models/:id/resume'],
    id: () => 'fraud',
    body: () => ({ reason: 'r' }),
    fields: ['reason'],
  },
];
const WRITES = ENDPOINTS.filter((e) => e.method === 'POST');
const label = (e: Endpoint) => `${e.method} ${e.template}`;
const pathOf = (e: Endpoint, id = e.id?.() ?? '') => e.template.replace(':id', encodeURIComponent(id));

/** Escapes only what an HTTP request line cannot carry, so `../`, `%2e` and `'` reach the server as they are. */
const rawSegment = (s: string) =>
  [...s].map((c) => (c.charCodeAt(0) <= 0x20 ? `%${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c)).join('');

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  body: { error?: unknown; [k: string]: unknown } | null;
}

describe('HTTP API security: every route, hostile requests', () => {
  let store: Store;
  let alerting: Alerting;
  let server: Server;
  let port = 0;
  let db: Awaited<ReturnType<typeof createTestSchema>>;
  let sql: SqlClient;
  let tables: string[] = [];
  const logs: string[] = [];
  const http = { tokens: [] as readonly HttpTokenConfig[], readsRequireToken: true };
  let configuredTokens: readonly HttpTokenConfig[] = [];

  beforeAll(async () => {
    const features = HOSTILE.map((_, i) => `f${i + 1}`);
    const config = parseConfig(
      `
http:
  readsRequireToken: true
  tokens:
    - { name: alice, role: owner, token: ${TOKENS.owner} }
    - { name: rita, role: responder, token: ${TOKENS.responder} }
    - { name: root, role: admin, token: ${TOKENS.admin} }
# One notification group per subject: each hostile string acknowledges and resolves an incident of its own.
alerts: { groupBy: [model, version, metric, feature, group] }
models:
  - id: credit-risk
    task: binary
    owner: { name: Risk ML team, webhook: "http://127.0.0.1:9/unused" }
    features: { f0: numeric, ${features.map((f) => `${f}: numeric`).join(', ')} }
    rules: [ { metric: psi, threshold: 0.2, clearThreshold: 0.1 } ]
  - id: fraud
    task: binary
    owner: { name: Fraud team, webhook: "http://127.0.0.1:9/unused" }
    features: { amount: numeric }
    rules: [ { metric: psi, threshold: 0.2 } ]
`,
      'vigil.yaml',
      {},
    );
    configuredTokens = config.http.tokens;
    http.tokens = configuredTokens;
    const logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
    db = await createTestSchema('security_http');
    store = await createStore({ url: db.url, schema: db.schema, poolSize: 4, logger });
    // No alerting.start(): nothing runs in the background, so any change in the database comes from a request.
    alerting = await createAlerting({ config, store, logger, now: () => T0 + HOUR });
    const rows = ['f0', ...features].map((feature) => ({
      model: 'credit-risk',
      version: '7',
      windowStart: T0 - HOUR,
      windowEnd: T0,
      metric: 'psi' as const,
      feature,
      group: '',
      value: 0.4,
      rows: 5000,
      labelledRows: 0,
    }));
    await store.profiles.saveReference('credit-risk', '7', { fitted: 'for the test' });
    await store.profiles.saveReference('fraud', '1', { fitted: 'for the test' });
    await store.metrics.upsertRows(rows);
    const summary = await store.transaction((tx) =>
      alerting.evaluateIn(tx, {
        model: 'credit-risk',
        version: '7',
        windowStart: T0 - HOUR,
        windowEnd: T0,
        rows: 5000,
        labelledRows: 0,
        metricRows: rows,
      }),
    );
    incidentIds = summary.opened;
    expect(incidentIds).toHaveLength(HOSTILE.length + 1);
    reviewId = (await alerting.openReview({ model: 'fraud', actor: 'setup', reason: 'setup' })).id;
    const registry = new PrometheusRegistry();
    registry
      .counter('vigil_events_consumed_total', 'Prediction events consumed.', ['topic'])
      .inc({ topic: 'vigil.predictions' }, 1);
    server = createServer(
      createHttpApi({ store, http, registry, notReadyReasons: () => [], logger, now: () => T0 + HOUR, alerting }),
    );
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
    sql = createPostgresClient({ url: db.url, schema: db.schema, poolSize: 1 });
    tables = (
      await sql.query<{ t: string }>(
        `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1`,
        [db.schema],
      )
    ).rows.map((r) => r.t);
    logs.length = 0;
  }, 60_000);

  afterAll(async () => {
    if (server) await new Promise((done) => server.close(done));
    await sql?.close();
    await alerting?.close();
    await store?.close();
    await db?.drop();
  });

  afterEach(() => {
    // The log of every request must be as clean as the answers.
    for (const line of logs) expectClean(line, 'log line');
    logs.length = 0;
  });

  /** Every table's row count and a hash of all its rows: any INSERT, UPDATE or DELETE shows. */
  const snapshot = async (): Promise<Record<string, string>> => {
    const union = tables
      .map(
        (t) =>
          `SELECT '${t}' AS t, count(*)::int || ':' || md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM "${t}" x`,
      )
      .join(' UNION ALL ');
    return Object.fromEntries((await sql.query<{ t: string; h: string }>(union)).rows.map((r) => [r.t, r.h]));
  };
  const countOf = async (table: string) =>
    Number((await sql.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`)).rows[0]!.n);

  const send = (o: {
    method: string;
    path: string;
    headers?: Record<string, string | number>;
    body?: string | Buffer;
    chunks?: Buffer[];
  }): Promise<Answer> =>
    new Promise((done, fail) => {
      const req = request(
        { host: '127.0.0.1', port, method: o.method, path: o.path, headers: o.headers ?? {}, agent: false },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => {
            const text = Buffer.concat(parts).toString('utf8');
            let body: Answer['body'] = null;
            try {
              if (text && res.headers['content-type']?.startsWith('application/json')) body = JSON.parse(text);
            } catch {
              // not JSON: the status check reports it
            }
            done({ status: res.statusCode ?? 0, headers: res.headers, text, body });
          });
        },
      );
      req.on('error', fail);
      if (o.chunks) {
        for (const c of o.chunks) req.write(c);
        req.end();
      } else req.end(o.body);
    });

  /** A JSON request as a client would send it; `token` names a role, or is a literal Authorization value. */
  const call = (
    method: string,
    path: string,
    o: { role?: Role; authorization?: string; body?: unknown; raw?: string; type?: string } = {},
  ) => {
    const headers: Record<string, string> = {};
    if (o.role) headers.authorization = `Bearer ${TOKENS[o.role]}`;
    if (o.authorization !== undefined) headers.authorization = o.authorization;
    const body = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
    if (body !== undefined) headers['content-type'] = o.type ?? 'application/json';
    return send({ method, path, headers, ...(body === undefined ? {} : { body }) });
  };

  function expectClean(text: string, where: string): void {
    for (const [role, token] of Object.entries(TOKENS)) {
      if (text.includes(token)) throw new Error(`the ${role} token appears in a ${where}: ${text.slice(0, 300)}`);
    }
    // A stack frame ("at fn (file.ts:12:3)"), a source path or a module path: internals a client must not see.
    if (/\bat [^\n]*:\d+:\d+|\/packages\/[a-z]+\/(src|dist)\/|node_modules/.test(text))
      throw new Error(`a stack trace or source path in a ${where}: ${text.slice(0, 300)}`);
  }

  /** A refusal: the status, a JSON body with a reason, nothing in it that should not be. */
  function expectRefusal(answer: Answer, statuses: number | readonly number[], what: string): void {
    const allowed = typeof statuses === 'number' ? [statuses] : statuses;
    if (!allowed.includes(answer.status))
      throw new Error(
        `${what}: answered ${answer.status} (expected ${allowed.join(' or ')}): ${answer.text.slice(0, 300)}`,
      );
    expect(typeof answer.body?.error).toBe('string');
    expect((answer.body?.error as string).length).toBeGreaterThan(8);
    if (answer.status === 401) expect(answer.headers['www-authenticate']).toBe('Bearer');
    expectClean(answer.text, `response to ${what}`);
  }

  /** Runs `act`, and checks every table is exactly as it was. */
  async function unchanged<T>(what: string, act: () => Promise<T>): Promise<T> {
    const before = await snapshot();
    const result = await act();
    const after = await snapshot();
    const changed = Object.keys(before).filter((t) => before[t] !== after[t]);
    if (changed.length > 0) throw new Error(`${what} changed ${changed.join(', ')}`);
    return result;
  }

  it('tests exactly the routes the API serves, with the roles the docs give', () => {
    expect(tables).toEqual(
      expect.arrayContaining([
        'vigil_incidents',
        'vigil_audit_log',
        'vigil_silences',
        'vigil_model_controls',
        'vigil_reviews',
      ]),
    );
    const routes = apiRoutes({
      store: store,
      http,
      registry: new PrometheusRegistry(),
      notReadyReasons: () => [],
      logger: createLogger({ level: 'silent', write: () => undefined }),
      alerting,
    });
    const served = new Map<number, string[]>();
    for (const e of ENDPOINTS) {
      const path = pathOf(e);
      const matching = routes
        .map((r, i) => ({ r, i }))
        .filter(({ r }) => r.method === e.method && r.pattern.test(path));
      expect({ endpoint: label(e), routes: matching.length }).toEqual({ endpoint: label(e), routes: 1 });
      const { r, i } = matching[0]!;
      expect({ endpoint: label(e), access: r.access }).toEqual({ endpoint: label(e), access: e.access });
      served.set(i, [...(served.get(i) ?? []), label(e)]);
    }
    // A route no endpoint above reaches is a route these tests forgot.
    // The review queue's routes (reviewer and admin tokens only, even to read) and the /review page's are tried in
    // review-queue-security.test.ts and review-page.test.ts.
    const untested = routes
      .filter((r, i) => !served.has(i) && !/review-queue|\^\\\/review/.test(String(r.pattern)))
      .map((r) => `${r.method} ${String(r.pattern)}`);
    expect(untested).toEqual([]);
    expect(Object.keys(WRITE_ROLES).sort()).toEqual(WRITES.map(label).sort());
    // docs/alerts.md's role table says the same as the code.
    const docs = readFileSync(resolve(__dirname, '../../../../docs/alerts.md'), 'utf8');
    for (const [endpoint, roles] of Object.entries(WRITE_ROLES)) {
      const [method, path] = endpoint.split(' ') as [string, string];
      const shown = path.endsWith('/resume') ? '`POST /api/models/:id/pause`, `/resume`' : `\`${method} ${path}\``;
      const row = docs.split('\n').find((l) => l.startsWith(`| ${shown}`));
      expect({ endpoint, row: row?.split('|')[2]?.trim() }).toEqual({ endpoint, row: roles.join(', ') });
    }
  });

  it('refuses requests without a token, with a wrong or malformed one, and with a role that may not; changes nothing', async () => {
    const wrong = [
      undefined,
      `Bearer ${randomBytes(24).toString('hex')}`,
      `Bearer ${TOKENS.admin}x`,
      `Bearer ${TOKENS.admin.slice(0, -1)}`,
      `Bearer ${TOKENS.admin.toUpperCase()}`,
      `Basic ${Buffer.from(`root:${TOKENS.admin}`).toString('base64')}`,
      TOKENS.admin,
      'Bearer',
      'Bearer  ',
      `Bearer ${TOKENS.admin} ${TOKENS.owner}`,
      "Bearer ' OR '1'='1",
    ];
    let cases = 0;
    await unchanged('refused credentials', async () => {
      for (const e of ENDPOINTS) {
        const body = e.body?.();
        for (const method of e.method === 'GET' ? ['GET', 'HEAD'] : ['POST']) {
          for (const authorization of wrong) {
            const answer = await call(method, pathOf(e), {
              ...(authorization === undefined ? {} : { authorization }),
              ...(body ? { body } : {}),
            });
            cases += 1;
            if (e.access === 'open')
              expect({ e: label(e), status: answer.status }).toEqual({ e: label(e), status: 200 });
            else if (method === 'HEAD')
              expect({ e: label(e), status: answer.status, text: answer.text }).toEqual({
                e: label(e),
                status: 401,
                text: '',
              });
            else
              expectRefusal(
                answer,
                401,
                `${method} ${e.template} with ${authorization === undefined ? 'no token' : 'a wrong token'}`,
              );
          }
        }
        for (const role of ROLES) {
          if (e.access !== 'open' && e.access !== 'read' && e.access.includes(role)) continue; // below
          const answer = await call(e.method, pathOf(e), { role, ...(body ? { body } : {}) });
          cases += 1;
          if (e.access === 'open' || e.access === 'read')
            expect({ e: label(e), role, status: answer.status }).toEqual({ e: label(e), role, status: 200 });
          else if (!e.access.includes(role)) {
            expectRefusal(answer, 403, `${label(e)} as ${role}`);
            expect(answer.body?.error).toContain(`needs ${e.access.join(' or ')}`);
          }
        }
      }
      // A role that may: the token passes, and an empty body is refused (400), so nothing happens here either.
      for (const e of WRITES) {
        for (const role of e.access as readonly Role[]) {
          expectRefusal(
            await call('POST', pathOf(e), { role, body: {} }),
            400,
            `${label(e)} as ${role} with an empty body`,
          );
          cases += 1;
        }
      }
    });
    expect(cases).toBeGreaterThan(200);
  });

  it('keeps reads open only when configured, and writes always closed; with no token configured everything but health is refused', async () => {
    try {
      http.readsRequireToken = false;
      await unchanged('reads without a token', async () => {
        for (const e of ENDPOINTS) {
          const answer = await call(e.method, pathOf(e), e.body ? { body: e.body() } : {});
          if (e.method === 'GET') expect({ e: label(e), status: answer.status }).toEqual({ e: label(e), status: 200 });
          else expectRefusal(answer, 401, `${label(e)} without a token`);
        }
      });
      http.tokens = [];
      await unchanged('writes with no token configured', async () => {
        for (const e of WRITES) {
          const answer = await call('POST', pathOf(e), { role: 'admin', body: e.body!() });
          expectRefusal(answer, 401, `${label(e)} with no token configured`);
          expect(answer.body?.error).toContain('none is configured');
        }
      });
    } finally {
      http.readsRequireToken = true;
      http.tokens = configuredTokens;
    }
  });

  it('refuses oversized, malformed, mistyped and non-JSON bodies on every write route; changes nothing', async () => {
    const big = JSON.stringify({ reason: 'x'.repeat(MAX_BODY_BYTES) });
    const malformed = [
      '{"reason":',
      '{reason: "r"}',
      "{'reason': 'r'}",
      'null',
      '[]',
      '"r"',
      '42',
      'true',
      '{"reason":"r"}{"reason":"r"}',
      '{"reason":"r",}',
    ];
    const mistyped = [
      { reason: 5 },
      { reason: ['r'] },
      { reason: { $ne: null } },
      { reason: '' },
      { reason: '   ' },
      { reason: 'r'.repeat(2001) },
      JSON.parse('{"__proto__": {"role": "admin"}, "reason": "r"}'),
      { constructor: 'x', reason: 'r' },
    ];
    const types = [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'text/json',
      'application/jsonp',
    ];
    let cases = 0;
    await unchanged('bad bodies', async () => {
      for (const e of WRITES) {
        const path = pathOf(e);
        const valid = JSON.stringify(e.body!());
        const auth = { authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/json' };
        expectRefusal(
          await send({ method: 'POST', path, headers: auth, body: big }),
          413,
          `${label(e)}: a body over the limit`,
        );
        // Streamed without a length: the limit holds while reading.
        expectRefusal(
          await send({
            method: 'POST',
            path,
            headers: auth,
            chunks: Array.from({ length: 8 }, () => Buffer.alloc(8192, 0x20)),
          }),
          413,
          `${label(e)}: a chunked body over the limit`,
        );
        // Declared 1 GiB: refused on the header, before the body is read.
        expectRefusal(await declaredHuge(path), 413, `${label(e)}: a declared 1 GiB body`);
        for (const raw of malformed)
          expectRefusal(await call('POST', path, { role: 'admin', raw }), 400, `${label(e)}: body ${raw}`);
        for (const body of mistyped)
          expectRefusal(
            await call('POST', path, { role: 'admin', raw: JSON.stringify({ ...e.body!(), ...body }) }),
            400,
            `${label(e)}: body ${JSON.stringify(body).slice(0, 60)}`,
          );
        for (const type of types)
          expectRefusal(
            await call('POST', path, { role: 'admin', raw: valid, type }),
            415,
            `${label(e)}: content-type ${type}`,
          );
        cases += 3 + malformed.length + mistyped.length + types.length;
      }
    });
    expect(cases).toBe(WRITES.length * (3 + malformed.length + mistyped.length + types.length));
  });

  const declaredHuge = (path: string): Promise<Answer> =>
    new Promise((done, fail) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path,
          agent: false,
          headers: {
            authorization: `Bearer ${TOKENS.admin}`,
            'content-type': 'application/json',
            'content-length': 1 << 30,
          },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => {
            const text = Buffer.concat(parts).toString('utf8');
            req.destroy();
            done({ status: res.statusCode ?? 0, headers: res.headers, text, body: JSON.parse(text) });
          });
        },
      );
      req.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : fail(error)));
      req.write('{"reason":"');
    });

  it('treats injection and traversal strings in every path parameter as data: 400 or 404, nothing changed', async () => {
    let cases = 0;
    await unchanged('hostile path parameters', async () => {
      for (const e of ENDPOINTS.filter((x) => x.template.includes(':id'))) {
        for (const s of HOSTILE) {
          for (const segment of [encodeURIComponent(s), rawSegment(s)]) {
            const path = e.template.replace(':id', segment);
            const answer = await call(e.method, path, { role: 'admin', ...(e.body ? { body: e.body() } : {}) });
            cases += 1;
            // Unknown id → 404; a NUL or a malformed escape → 400; a raw "../" resolves to no endpoint → 404.
            expectRefusal(
              answer,
              hasNul(s) || (segment === rawSegment(s) && s.startsWith('%E0')) ? 400 : 404,
              `${e.method} ${path}`,
            );
          }
        }
      }
    });
    expect(cases).toBe(9 * HOSTILE.length * 2);
  });

  it('treats injection strings in every query parameter as data: a filter that matches nothing or a 400, nothing changed', async () => {
    let cases = 0;
    await unchanged('hostile query parameters', async () => {
      for (const e of ENDPOINTS.filter((x) => x.method === 'GET')) {
        for (const s of HOSTILE) {
          for (const name of [...(e.query ?? []), 'id', 'q']) {
            const path = `${pathOf(e)}?${new URLSearchParams({ [name]: s }).toString()}`;
            const answer = await call('GET', path, { role: 'owner' });
            cases += 1;
            const what = `GET ${path}`;
            if (hasNul(s)) expectRefusal(answer, 400, what);
            else if (name === 'status' || name === 'limit' || name === 'after') expectRefusal(answer, 400, what);
            else if ((name === 'from' || name === 'to') && !Number.isFinite(Date.parse(s)))
              expectRefusal(answer, 400, what);
            else {
              expect({ what, status: answer.status }).toEqual({ what, status: 200 });
              expectClean(answer.text, what);
              if (name === 'model')
                expect(answer.body?.incidents ?? answer.body?.reviews ?? answer.body?.entries).toEqual([]);
              if (name === 'version') expect(answer.body?.windows).toEqual([]);
            }
          }
        }
      }
    });
    expect(cases).toBeGreaterThan(HOSTILE.length * 20);
  });

  it('stores injection strings in body fields as plain text, or refuses them; never runs them', async () => {
    // Acknowledging an incident acknowledges its notification group's other incidents too, each with an entry of
    // its own: the string is counted on the incident the request named.
    const audit = async (reason: string, incident?: string) =>
      Number(
        (
          await sql.query<{ n: string }>(
            'SELECT count(*) AS n FROM vigil_audit_log WHERE reason = $1 AND ($2::text IS NULL OR incident_id = $2)',
            [reason, incident ?? null],
          )
        ).rows[0]!.n,
      );
    let accepted = 0;
    let refused = 0;
    const tried = async (
      what: string,
      answer: Answer,
      ok: number,
      refusal: number | number[],
      stored: () => Promise<void>,
      accept: boolean,
    ) => {
      if (accept) {
        expect({ what, status: answer.status, text: answer.status === ok ? '' : answer.text }).toEqual({
          what,
          status: ok,
          text: '',
        });
        expectClean(answer.text, what);
        await stored();
        accepted += 1;
      } else {
        expectRefusal(answer, refusal, what);
        refused += 1;
      }
    };
    for (const [i, s] of HOSTILE.entries()) {
      // ack then resolve an incident of its own, with the string as the reason: stored as it is in the audit log.
      const incident = incidentIds[i + 1]!;
      for (const action of ['ack', 'resolve']) {
        const what = `POST /api/incidents/:id/${action} reason ${JSON.stringify(s)}`;
        const run = () => call('POST', `/api/incidents/${incident}/${action}`, { role: 'owner', body: { reason: s } });
        if (hasNul(s)) await tried(what, await unchanged(what, run), 200, 400, async () => undefined, false);
        else
          await tried(
            what,
            await run(),
            200,
            400,
            async () => expect(await audit(s, incident)).toBe(action === 'ack' ? 1 : 2),
            true,
          );
      }
      for (const action of ['pause', 'resume']) {
        const what = `POST /api/models/fraud/${action} reason ${JSON.stringify(s)}`;
        const run = () => call('POST', `/api/models/fraud/${action}`, { role: 'responder', body: { reason: s } });
        if (hasNul(s)) await tried(what, await unchanged(what, run), 200, 400, async () => undefined, false);
        else {
          const answer = await run();
          await tried(
            what,
            answer,
            200,
            400,
            async () => expect(answer.body).toMatchObject({ model: 'fraud', paused: action === 'pause', reason: s }),
            true,
          );
        }
      }
      const silences = ENDPOINTS.find((e) => e.template === '/api/silences')!;
      for (const field of silences.fields!) {
        const what = `POST /api/silences ${field} ${JSON.stringify(s)}`;
        const before = await countOf('vigil_silences');
        const run = () =>
          call('POST', '/api/silences', {
            role: 'owner',
            body: {
              ...silences.body!(),
              ...(field === 'duration' ? {} : {}),
              [field]: s,
              ...(field === 'expiresAt' ? { duration: undefined } : {}),
            },
          });
        // Free-text matchers are stored as given; the model and the incident must exist; times and durations must parse.
        const textField = ['version', 'metric', 'feature', 'group', 'reason'].includes(field);
        if (!textField || hasNul(s)) {
          const timeOk = field === 'expiresAt' && Number.isFinite(Date.parse(s));
          await tried(
            what,
            await unchanged(what, run),
            201,
            hasNul(s) || field === 'duration' || field === 'expiresAt' ? 400 : timeOk ? 400 : 404,
            async () => undefined,
            false,
          );
        } else {
          const answer = await run();
          await tried(
            what,
            answer,
            201,
            400,
            async () => {
              expect((answer.body?.silence as Record<string, unknown>)[field === 'reason' ? 'reason' : field]).toBe(s);
              expect(answer.body?.silenced).toEqual([]);
              expect(await countOf('vigil_silences')).toBe(before + 1);
            },
            true,
          );
        }
      }
      const reviews = ENDPOINTS.find((e) => e.template === '/api/reviews')!;
      for (const field of reviews.fields!) {
        const what = `POST /api/reviews ${field} ${JSON.stringify(s)}`;
        const run = () => call('POST', '/api/reviews', { role: 'responder', body: { ...reviews.body!(), [field]: s } });
        const time = field === 'from' || field === 'to';
        if (hasNul(s) || field === 'model' || (time && !Number.isFinite(Date.parse(s)))) {
          await tried(
            what,
            await unchanged(what, run),
            201,
            hasNul(s) || field !== 'model' ? 400 : 404,
            async () => undefined,
            false,
          );
        } else {
          const answer = await run();
          const echoed =
            field === 'reason'
              ? { reason: s }
              : field === 'version'
                ? { version: s }
                : { evidence: { [field]: new Date(Date.parse(s)).toISOString() } };
          await tried(
            what,
            answer,
            201,
            400,
            async () => expect(answer.body?.review).toMatchObject({ model: 'fraud', ...echoed }),
            true,
          );
        }
      }
      {
        const what = `POST /api/reviews/:id/findings text ${JSON.stringify(s)}`;
        const run = () => call('POST', `/api/reviews/${reviewId}/findings`, { role: 'responder', body: { text: s } });
        if (hasNul(s)) await tried(what, await unchanged(what, run), 201, 400, async () => undefined, false);
        else {
          const answer = await run();
          await tried(
            what,
            answer,
            201,
            400,
            async () => expect(answer.body?.finding).toMatchObject({ text: s, author: 'rita' }),
            true,
          );
        }
      }
    }
    // Every table is still there, with its rows.
    expect(
      (await sql.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [db.schema]))
        .rowCount,
    ).toBeGreaterThanOrEqual(tables.length);
    expect(await countOf('vigil_incidents')).toBe(HOSTILE.length + 1);
    expect(accepted + refused).toBe(HOSTILE.length * (2 + 2 + 9 + 5 + 1));
    expect(accepted).toBeGreaterThan(HOSTILE.length * 8);
  });

  it('refuses times beyond what a date can hold with a 400, not a failure', async () => {
    await unchanged('out-of-range times', async () => {
      for (const q of [
        'to=99999999999999999999',
        'from=8640000000000001&to=8640000000000002',
        'to=+275760-09-13T00:00:00.001Z',
      ]) {
        expectRefusal(
          await call('GET', `/api/models/credit-risk/windows?${q}`, { role: 'owner' }),
          400,
          `windows?${q}`,
        );
      }
      for (const body of [{ from: 1e300 }, { to: 1e300 }, { from: -1e300 }, { from: '99999999999999999999' }]) {
        expectRefusal(
          await call('POST', '/api/reviews', { role: 'admin', body: { model: 'fraud', reason: 'r', ...body } }),
          400,
          `review ${JSON.stringify(body)}`,
        );
      }
      for (const expiresAt of [1e300, -1e300, '99999999999999999999']) {
        expectRefusal(
          await call('POST', '/api/silences', { role: 'admin', body: { model: 'fraud', reason: 'r', expiresAt } }),
          400,
          `silence until ${expiresAt}`,
        );
      }
    });
  });

  it('answers malformed request lines and unknown methods with a 4xx, never a failure', async () => {
    const raw = (line: string): Promise<string> =>
      new Promise((done, fail) => {
        const socket = connect(port, '127.0.0.1', () =>
          socket.end(`${line}\r\nHost: x\r\nAuthorization: Bearer ${TOKENS.admin}\r\nConnection: close\r\n\r\n`),
        );
        const parts: Buffer[] = [];
        socket.on('data', (c: Buffer) => parts.push(c));
        socket.on('end', () => done(Buffer.concat(parts).toString('utf8')));
        socket.on('error', fail);
      });
    await unchanged('malformed requests', async () => {
      for (const line of [
        'GET http://[ HTTP/1.1',
        'GET http://a:99999/api/models HTTP/1.1',
        'GET /api/incidents/%ZZ HTTP/1.1',
        'GET //api/../../etc/passwd HTTP/1.1',
        'GET * HTTP/1.1',
      ]) {
        const answer = await raw(line);
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
        expect({ line, status: status >= 400 && status < 500 }).toEqual({ line, status: true });
        expectClean(answer, `answer to ${line}`);
      }
      for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']) {
        for (const e of ENDPOINTS) {
          const answer = await call(method, pathOf(e), { role: 'admin' });
          expectRefusal(answer, 405, `${method} ${e.template}`);
          // Every method the path is served with (GET and POST /api/reviews share a path).
          const allowed = ENDPOINTS.filter((x) => x.template === e.template).flatMap((x) =>
            x.method === 'GET' ? ['GET', 'HEAD'] : ['POST'],
          );
          expect(String(answer.headers.allow).split(', ').sort()).toEqual(allowed.sort());
        }
      }
    });
  });
});
