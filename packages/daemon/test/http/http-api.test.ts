import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '@vigil/core';
import { createStore, type Store } from '@vigil/store';
import { createHttpApi } from '../../src/http/http-api';
import { PrometheusRegistry } from '../../src/http/prometheus-registry';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-22T10:00:00Z');

/** A drift histogram as the analysis writes it on a `drifted` row. */
const DRIFT_HISTOGRAM = { labels: ['< 30', '[30, 50)', '>= 50'], reference: [60, 30, 10], current: [20, 50, 30] };

describe('HTTP API (read side) over a real socket', () => {
  let store: Store;
  let server: Server;
  let base: string;
  let notReady: string[] = [];
  const registry = new PrometheusRegistry();
  const consumed = registry.counter('vigil_events_consumed_total', 'Prediction events consumed.', ['topic']);
  const tokens = [{ name: 'grafana', role: 'owner' as const, token: 's3cret-token-value' }];
  let readsRequireToken = false;

  beforeAll(async () => {
    store = await createStore({});
    await store.batches.apply(
      {
        groupId: 'g',
        offsets: [],
        buckets: [{ model: 'credit-risk', version: '7', bucketStart: T0, accumulator: {}, rows: 10 }],
      },
      (a) => a,
    );
    await store.metrics.upsertRows([
      {
        model: 'credit-risk',
        version: '7',
        windowStart: T0,
        windowEnd: T0 + HOUR,
        metric: 'psi',
        feature: 'age',
        group: '',
        value: 0.31,
        rows: 8000,
        labelledRows: 0,
        details: { threshold: 0.2 },
      },
      {
        model: 'credit-risk',
        version: '7',
        windowStart: T0,
        windowEnd: T0 + HOUR,
        metric: 'drifted',
        feature: 'age',
        group: '',
        value: 1,
        rows: 8000,
        labelledRows: 0,
        details: { method: 'psi', value: 0.31, threshold: 0.2, histogram: DRIFT_HISTOGRAM },
      },
      {
        model: 'credit-risk',
        version: '7',
        windowStart: T0,
        windowEnd: T0 + HOUR,
        metric: 'ece',
        feature: '',
        group: '',
        value: null,
        rows: 8000,
        labelledRows: 0,
      },
      {
        model: 'credit-risk',
        version: '7',
        windowStart: T0 + HOUR,
        windowEnd: T0 + 2 * HOUR,
        metric: 'psi',
        feature: 'age',
        group: '',
        value: 0.05,
        rows: 7000,
        labelledRows: 120,
      },
    ]);
    const app = createHttpApi({
      store,
      http: {
        tokens,
        get readsRequireToken() {
          return readsRequireToken;
        },
      },
      registry,
      notReadyReasons: () => notReady,
      logger: silentLogger,
      now: () => T0 + 3 * HOUR,
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await store.close();
  });

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, { headers });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text(), res };
  };

  it('answers health, readiness with reasons, and Prometheus metrics', async () => {
    expect(await get('/healthz')).toMatchObject({ status: 200 });
    expect(JSON.parse((await get('/readyz')).text)).toEqual({ ready: true, reasons: [] });
    notReady = ['kafka: broker unreachable'];
    const r = await get('/readyz');
    expect(r.status).toBe(503);
    expect(JSON.parse(r.text).reasons).toEqual(['kafka: broker unreachable']);
    notReady = [];
    consumed.inc({ topic: 'vigil.predictions' }, 42);
    const m = await get('/metrics');
    expect(m.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(m.text).toContain(
      '# TYPE vigil_events_consumed_total counter\nvigil_events_consumed_total{topic="vigil.predictions"} 42',
    );
  });

  it('lists models and their windows with every metric', async () => {
    expect(JSON.parse((await get('/api/models')).text)).toEqual({
      models: [{ model: 'credit-risk', versions: ['7'] }],
    });
    const w = JSON.parse((await get('/api/models/credit-risk/windows')).text);
    expect(w.windows).toHaveLength(2);
    expect(w.windows[0]).toEqual({
      version: '7',
      start: '2026-11-22T10:00:00.000Z',
      end: '2026-11-22T11:00:00.000Z',
      rows: 8000,
      labelledRows: 0,
      metrics: expect.arrayContaining([
        { metric: 'psi', feature: 'age', group: null, value: 0.31, details: { threshold: 0.2 } },
        // Stored with its labels and reference counts apart (migration 0020), answered whole.
        {
          metric: 'drifted',
          feature: 'age',
          group: null,
          value: 1,
          details: { method: 'psi', value: 0.31, threshold: 0.2, histogram: DRIFT_HISTOGRAM },
        },
        expect.objectContaining({ metric: 'ece', value: null }),
      ]),
    });
    const narrowed = JSON.parse(
      (await get(`/api/models/credit-risk/windows?from=${T0 + HOUR}&to=2026-11-22T13:00:00Z`)).text,
    );
    expect(narrowed.windows.map((x: { start: string }) => x.start)).toEqual(['2026-11-22T11:00:00.000Z']);
  });

  it('answers bad requests with a 4xx and a reason, and changes nothing', async () => {
    expect(await get('/api/models/nope/windows')).toMatchObject({
      status: 404,
      text: expect.stringContaining('no model \\"nope\\"'),
    });
    // A near miss names the model meant, as the CLI does.
    expect(JSON.parse((await get('/api/models/credit-rsik/windows')).text)).toMatchObject({
      error: 'no model "credit-rsik"; did you mean "credit-risk"?',
      code: 'VIGIL_NOT_FOUND',
    });
    expect(await get('/api/models/credit-risk/windows?from=yesterday')).toMatchObject({
      status: 400,
      text: expect.stringContaining('ISO-8601'),
    });
    expect(await get(`/api/models/credit-risk/windows?from=${T0 + HOUR}&to=${T0}`)).toMatchObject({ status: 400 });
    expect(await get('/api/nothing')).toMatchObject({ status: 404 });
    const injected = await get(`/api/models/${encodeURIComponent("x'; DROP TABLE vigil_metric_rows; --")}/windows`);
    expect(injected.status).toBe(404);
    const post = await fetch(`${base}/api/models`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(JSON.parse((await get('/api/models/credit-risk/windows')).text).windows).toHaveLength(2);
  });

  it('requires a valid bearer token for reads when configured, and never for health or metrics', async () => {
    readsRequireToken = true;
    try {
      const none = await get('/api/models');
      expect(none.status).toBe(401);
      expect(none.res.headers.get('www-authenticate')).toBe('Bearer');
      expect((await get('/api/models', { authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await get('/api/models', { authorization: 'Bearer s3cret-token-value' })).status).toBe(200);
      expect((await get('/healthz')).status).toBe(200);
      expect((await get('/metrics')).status).toBe(200);
      expect(none.text).not.toContain('s3cret');
    } finally {
      readsRequireToken = false;
    }
  });
});
