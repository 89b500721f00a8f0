/**
 * The alert endpoints over a real socket: incidents, ack/resolve, silences, reviews, pause/resume, with bearer
 * roles, body limits and validation. Bad input gets a 4xx with a reason and changes nothing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAlerting, type Alerting, type ControlEvent } from '@vigil/alerts';
import { parseConfig, silentLogger } from '@vigil/core';
import { createStore, type Store } from '@vigil/store';
import { alertDeliveryMetrics } from '../../src/http/alert-metrics';
import { createHttpApi } from '../../src/http/http-api';
import { PrometheusRegistry } from '../../src/http/prometheus-registry';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const HOUR = 3_600_000;
const TOKENS = {
  owner: 'owner-token-0123456789',
  responder: 'responder-token-0123456789',
  admin: 'admin-token-0123456789',
};

describe('HTTP API: alert endpoints', () => {
  let store: Store;
  let alerting: Alerting;
  let server: Server;
  let base: string;
  let incidentId: string;
  const published: ControlEvent[] = [];
  let controlFailures = 0;
  let now = T0;
  const registry = new PrometheusRegistry();

  beforeAll(async () => {
    const config = parseConfig(
      `
http:
  tokens:
    - { name: alice, role: owner, token: ${TOKENS.owner} }
    - { name: rita, role: responder, token: ${TOKENS.responder} }
    - { name: root, role: admin, token: ${TOKENS.admin} }
models:
  - id: credit-risk
    task: binary
    owner: { name: Risk ML team, webhook: "http://127.0.0.1:9/unused" }
    features: { age: numeric }
    rules: [ { metric: psi, threshold: 0.2, clearThreshold: 0.1 } ]
`,
      'vigil.yaml',
      {},
    );
    store = await createStore({});
    alerting = await createAlerting({
      config,
      store,
      now: () => now,
      delivery: { backoffMs: 5, maxAttempts: 2 },
      onDelivery: alertDeliveryMetrics(registry),
      relay: { aheadMs: 0, pollMs: 60_000, recheckMs: 0 },
      publishControl: async (e) => {
        if (controlFailures > 0) {
          controlFailures -= 1;
          throw new Error('broker unreachable');
        }
        published.push(e);
      },
    });
    await alerting.start();
    const metricRows = [
      {
        model: 'credit-risk',
        version: '7',
        windowStart: T0 - HOUR,
        windowEnd: T0,
        metric: 'psi' as const,
        feature: 'age',
        group: '',
        value: 0.4,
        rows: 5000,
        labelledRows: 0,
      },
    ];
    await store.profiles.saveReference('credit-risk', '7', { fitted: 'for the test' }); // registers the model version
    await store.metrics.upsertRows(metricRows);
    const summary = await store.transaction((tx) =>
      alerting.evaluateIn(tx, {
        model: 'credit-risk',
        version: '7',
        windowStart: T0 - HOUR,
        windowEnd: T0,
        rows: 5000,
        labelledRows: 0,
        metricRows,
      }),
    );
    incidentId = summary.opened[0]!;
    server = createServer(
      createHttpApi({
        store,
        http: config.http,
        registry,
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
    await new Promise((resolve) => server.close(resolve));
    await alerting.close();
    await store.close();
  });

  const call = async (
    method: string,
    path: string,
    o: { token?: string; body?: unknown; raw?: string; type?: string } = {},
  ) => {
    const headers: Record<string, string> = {};
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.body !== undefined || o.raw !== undefined) headers['content-type'] = o.type ?? 'application/json';
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : o.raw !== undefined ? { body: o.raw } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };
  const status = async () => (await alerting.getIncident(incidentId)).status;
  /** The incident's lifecycle entries (its notifications go to an unreachable webhook and are audited too). */
  const lifecycle = (history: Array<{ actor: string; action: string; reason: string | null }>) =>
    history.filter((h) => !h.action.startsWith('notification.'));

  it('lists incidents, filters by status, refuses a bad filter', async () => {
    const all = await call('GET', '/api/incidents');
    expect(all.status).toBe(200);
    expect(all.body.incidents[0]).toMatchObject({
      id: incidentId,
      status: 'firing',
      model: 'credit-risk',
      metric: 'psi',
      feature: 'age',
      group: null,
      value: 0.4,
      window: { start: '2026-11-22T09:00:00.000Z', end: '2026-11-22T10:00:00.000Z' },
    });
    expect((await call('GET', '/api/incidents?status=resolved')).body.incidents).toEqual([]);
    expect((await call('GET', '/api/incidents?status=open&model=credit-risk')).body.incidents).toHaveLength(1);
    expect(await call('GET', '/api/incidents?status=burning')).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('"status"'), code: 'VIGIL_USAGE' },
    });
    // Reads are open here (no readsRequireToken), but a token sent with one is checked: a wrong one is a 401 a
    // responder trying their token learns from (it was ignored, 200); a valid one of any role reads.
    expect(await call('GET', '/api/incidents', { token: 'not-a-token-at-all-xx' })).toMatchObject({
      status: 401,
      body: { error: 'the bearer token is not valid', code: 'VIGIL_UNAUTHORIZED' },
    });
    expect(await call('GET', '/api/incidents', { token: TOKENS.owner })).toMatchObject({ status: 200 });
    expect(lifecycle((await call('GET', `/api/incidents/${incidentId}`)).body.history).map((h) => h.action)).toEqual([
      'incident.opened',
    ]);
    expect(await call('GET', '/api/incidents/inc_nope')).toMatchObject({ status: 404 });
  });

  it('refuses writes without a valid token, or with a role that may not, and changes nothing', async () => {
    expect(await call('POST', `/api/incidents/${incidentId}/ack`, { body: { reason: 'x' } })).toMatchObject({
      status: 401,
    });
    const bad = await call('POST', `/api/incidents/${incidentId}/ack`, {
      token: 'not-a-token-at-all-xx',
      body: { reason: 'x' },
    });
    expect(bad).toMatchObject({
      status: 401,
      body: { error: 'the bearer token is not valid', code: 'VIGIL_UNAUTHORIZED' },
    });
    expect(bad.headers.get('www-authenticate')).toBe('Bearer');
    const owner = await call('POST', '/api/models/credit-risk/pause', {
      token: TOKENS.owner,
      body: { reason: 'stop it' },
    });
    expect(owner).toMatchObject({
      status: 403,
      body: { error: expect.stringContaining('needs responder or admin'), code: 'VIGIL_FORBIDDEN' },
    });
    expect(
      await call('POST', '/api/reviews', { token: TOKENS.owner, body: { model: 'credit-risk', reason: 'x' } }),
    ).toMatchObject({ status: 403 });
    expect(await status()).toBe('firing');
    expect(await alerting.modelControls()).toEqual([]);
  });

  it('refuses bad bodies with a reason: not JSON, too large, unknown fields, missing reason, silence without expiry', async () => {
    const ack = `/api/incidents/${incidentId}/ack`;
    expect(await call('POST', ack, { token: TOKENS.owner, raw: '{"reason":' })).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('not valid JSON') },
    });
    expect(
      await call('POST', ack, { token: TOKENS.owner, raw: 'reason=x', type: 'application/x-www-form-urlencoded' }),
    ).toMatchObject({ status: 415 });
    expect(await call('POST', ack, { token: TOKENS.owner, body: { reason: 'x'.repeat(20_000) } })).toMatchObject({
      status: 413,
    });
    expect(await call('POST', ack, { token: TOKENS.owner, body: { reason: 'x', force: true } })).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('unknown field "force"') },
    });
    expect(await call('POST', ack, { token: TOKENS.owner, body: {} })).toMatchObject({
      status: 400,
      body: { error: '"reason" is required' },
    });
    expect(await call('POST', ack, { token: TOKENS.owner, body: [] })).toMatchObject({ status: 400 });
    const silence = await call('POST', '/api/silences', {
      token: TOKENS.owner,
      body: { model: 'credit-risk', reason: 'deploy' },
    });
    expect(silence).toMatchObject({ status: 400, body: { error: expect.stringContaining('silences always expire') } });
    expect(
      await call('POST', '/api/silences', {
        token: TOKENS.owner,
        body: { model: 'credit-risk', reason: 'deploy', duration: 'forever' },
      }),
    ).toMatchObject({ status: 400 });
    expect(
      await call('POST', '/api/silences', {
        token: TOKENS.owner,
        body: { model: 'credit-risk', reason: 'deploy', expiresAt: '2020-01-01T00:00:00Z' },
      }),
    ).toMatchObject({ status: 400, body: { code: 'VIGIL_USAGE' } });
    expect(
      await call('POST', '/api/silences', {
        token: TOKENS.owner,
        body: { model: 'nope', reason: 'deploy', duration: '1h' },
      }),
    ).toMatchObject({ status: 404 });
    expect(
      await call('POST', '/api/incidents/inc_unknown/ack', { token: TOKENS.owner, body: { reason: 'x' } }),
    ).toMatchObject({ status: 404, body: { error: 'no incident "inc_unknown"', code: 'VIGIL_NOT_FOUND' } });
    expect(await call('DELETE', ack, { token: TOKENS.owner })).toMatchObject({ status: 405 });
    expect(await status()).toBe('firing');
    expect(await alerting.listIncidents({ statuses: ['silenced'] })).toEqual([]);
    expect(lifecycle((await alerting.getIncident(incidentId)).history)).toHaveLength(1);
  });

  it('acknowledges (owner), refuses a second ack with 409, resolves, and records the token name and reason', async () => {
    now += 60_000;
    const ack = await call('POST', `/api/incidents/${incidentId}/ack`, {
      token: TOKENS.owner,
      body: { reason: 'on it' },
    });
    expect(ack).toMatchObject({
      status: 200,
      body: {
        incident: { status: 'acknowledged', acknowledgedBy: 'alice', acknowledgedAt: '2026-11-22T10:01:00.000Z' },
      },
    });
    expect(
      await call('POST', `/api/incidents/${incidentId}/ack`, { token: TOKENS.owner, body: { reason: 'again' } }),
    ).toMatchObject({ status: 409, body: { error: expect.stringContaining('acknowledged by alice') } });
    expect(
      await call('POST', `/api/incidents/${incidentId}/resolve`, {
        token: TOKENS.admin,
        body: { reason: 'fixed upstream' },
      }),
    ).toMatchObject({ status: 200, body: { incident: { status: 'resolved', resolvedBy: 'root' } } });
    const history = lifecycle((await call('GET', `/api/incidents/${incidentId}`)).body.history).map(
      (h) => `${h.actor} ${h.action} ${h.reason}`,
    );
    expect(history).toEqual([
      expect.stringMatching(/^vigil incident.opened/),
      'alice incident.acknowledged on it',
      'root incident.resolved fixed upstream',
    ]);
  });

  it('creates a silence with an expiry, opens a review with frozen evidence, pauses and resumes the model', async () => {
    const s = await call('POST', '/api/silences', {
      token: TOKENS.owner,
      body: { model: 'credit-risk', metric: 'psi', duration: '2h', reason: 'planned migration' },
    });
    expect(s).toMatchObject({
      status: 201,
      body: {
        silence: {
          model: 'credit-risk',
          metric: 'psi',
          createdBy: 'alice',
          expiresAt: new Date(now + 2 * HOUR).toISOString(),
        },
      },
    });
    const r = await call('POST', '/api/reviews', {
      token: TOKENS.responder,
      body: { model: 'credit-risk', reason: 'complaint #42', from: '2026-11-22T00:00:00Z' },
    });
    expect(r).toMatchObject({
      status: 201,
      body: {
        review: { model: 'credit-risk', openedBy: 'rita', evidence: { metricRows: 1, windows: 1, incidents: 1 } },
      },
    });
    const full = await call('GET', `/api/reviews/${r.body.review.id}`);
    expect(full.body.review.evidence.metricRows[0]).toMatchObject({ metric: 'psi', value: 0.4 });
    controlFailures = 3; // more than maxAttempts: the event stays pending and is published on a later pass
    const paused = await call('POST', '/api/models/credit-risk/pause', {
      token: TOKENS.responder,
      body: { reason: 'unfair decisions' },
    });
    expect(paused).toMatchObject({ status: 200, body: { model: 'credit-risk', paused: true, by: 'rita' } });
    // A second pause is refused as a second ack is: 409, naming who paused it, when and why; nothing changes.
    const controlAudit = async () =>
      (await alerting.auditLog({ model: 'credit-risk' })).filter((e) => e.action.startsWith('model.'));
    expect(
      await call('POST', '/api/models/credit-risk/pause', { token: TOKENS.admin, body: { reason: 'also unfair' } }),
    ).toMatchObject({
      status: 409,
      body: {
        error: `cannot pause model credit-risk: it is already paused (by rita since ${new Date(now).toISOString()}: unfair decisions)`,
      },
    });
    expect((await controlAudit()).map((e) => `${e.actor} ${e.action} ${e.reason}`)).toEqual([
      'rita model.paused unfair decisions',
    ]);
    expect(await call('POST', '/api/models/nope/pause', { token: TOKENS.admin, body: { reason: 'x' } })).toMatchObject({
      status: 404,
    });
    expect(
      await call('POST', '/api/models/credit-rsik/pause', { token: TOKENS.admin, body: { reason: 'x' } }),
    ).toMatchObject({
      status: 404,
      body: { error: 'no model "credit-rsik" in the configuration; did you mean "credit-risk"?' },
    });
    expect((await call('GET', '/api/models')).body.models).toEqual([
      {
        model: 'credit-risk',
        versions: ['7'],
        paused: true,
        pausedBy: 'rita',
        pausedAt: new Date(now).toISOString(),
        pauseReason: 'unfair decisions',
      },
    ]);
    await alerting.flush();
    expect(published).toEqual([
      {
        model: 'credit-risk',
        action: 'pause',
        reason: 'unfair decisions',
        by: 'rita',
        ts: new Date(now).toISOString(),
      },
    ]);
    now += 1000;
    expect(
      await call('POST', '/api/models/credit-risk/resume', { token: TOKENS.admin, body: { reason: 'fixed' } }),
    ).toMatchObject({ status: 200, body: { paused: false, by: 'root' } });
    await alerting.flush();
    expect(published.map((e) => e.action)).toEqual(['pause', 'resume']);
    expect(
      await call('POST', '/api/models/credit-risk/resume', { token: TOKENS.admin, body: { reason: 'again' } }),
    ).toMatchObject({
      status: 409,
      body: { error: expect.stringContaining('cannot resume model credit-risk: it is not paused (resumed by root at') },
    });
    await alerting.flush();
    expect(published.map((e) => e.action)).toEqual(['pause', 'resume']);
    expect((await controlAudit()).map((e) => e.action)).toEqual(['model.paused', 'model.resumed']);
    expect((await call('GET', '/api/models')).body.models[0]).toEqual({
      model: 'credit-risk',
      versions: ['7'],
      paused: false,
    });
    const metrics = (await fetch(`${base}/metrics`).then((r) => r.text())).split('\n');
    expect(metrics).toContain('vigil_alerts_sent_total{kind="control",target="control"} 2');
    expect(metrics).toContain('vigil_alert_delivery_failures_total{final="false",kind="control",target="control"} 3');
  });
});
