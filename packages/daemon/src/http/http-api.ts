/**
 * The daemon's HTTP API, read side (PRODUCT.md §6): health, readiness, Prometheus metrics, models and their
 * windows. Built on node:http; `createHttpApi` returns a request listener, so building the app is separate from
 * listening (fastify's app/server split). Bad requests get a 4xx with a reason; store failures a 503 without
 * internals (they are logged).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpConfig, Logger } from '@vigil/core';
import type { MetricRow, Store } from '@vigil/store';
import type { PrometheusRegistry } from './prometheus-registry';

export interface HttpApiDependencies {
  store: Pick<Store, 'listModels' | 'metricRows'>;
  http: Pick<HttpConfig, 'tokens' | 'readsRequireToken'>;
  registry: PrometheusRegistry;
  /** Why the daemon is not ready (empty when it is): a broker or database outage, start-up in progress. */
  notReadyReasons: () => readonly string[];
  logger: Logger;
  now?: () => number;
}

const DAY_MS = 86_400_000;

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function createHttpApi(deps: HttpApiDependencies): (req: IncomingMessage, res: ServerResponse) => void {
  const log = deps.logger.child({ component: 'http' });
  const routes: { pattern: RegExp; open: boolean; handle: (match: RegExpExecArray, url: URL) => Promise<Reply> }[] = [
    { pattern: /^\/healthz$/, open: true, handle: async () => json(200, { status: 'ok' }) },
    {
      pattern: /^\/readyz$/,
      open: true,
      handle: async () => {
        const reasons = deps.notReadyReasons();
        return json(reasons.length === 0 ? 200 : 503, { ready: reasons.length === 0, reasons });
      },
    },
    { pattern: /^\/metrics$/, open: true, handle: async () => ({ status: 200, type: 'text/plain; version=0.0.4; charset=utf-8', body: deps.registry.render() }) },
    { pattern: /^\/api\/models$/, open: false, handle: async () => json(200, { models: await deps.store.listModels() }) },
    {
      pattern: /^\/api\/models\/([^/]+)\/windows$/,
      open: false,
      handle: async (match, url) => {
        const model = decodeURIComponent(match[1] as string);
        const now = deps.now?.() ?? Date.now();
        const to = timeParam(url, 'to', now);
        const from = timeParam(url, 'from', to - DAY_MS);
        if (from > to) throw new HttpProblem(400, `"from" (${new Date(from).toISOString()}) is after "to" (${new Date(to).toISOString()})`);
        const known = (await deps.store.listModels()).some((m) => m.model === model);
        if (!known) throw new HttpProblem(404, `no model "${model}"`);
        const version = url.searchParams.get('version') ?? undefined;
        const rows = await deps.store.metricRows(model, { from, to, ...(version !== undefined ? { version } : {}) });
        return json(200, { model, from: new Date(from).toISOString(), to: new Date(to).toISOString(), windows: groupWindows(rows) });
      },
    },
  ];

  return (req, res) => {
    const started = Date.now();
    void (async (): Promise<Reply> => {
      const url = new URL(req.url ?? '/', 'http://vigil.invalid');
      const route = routes.find((r) => r.pattern.test(url.pathname));
      if (!route) throw new HttpProblem(404, `no endpoint ${url.pathname}`);
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpProblem(405, `${req.method} is not allowed on ${url.pathname}; use GET`);
      if (!route.open && deps.http.readsRequireToken) authorize(req, deps.http.tokens);
      return route.handle(route.pattern.exec(url.pathname) as RegExpExecArray, url);
    })()
      .catch((error: unknown): Reply => {
        if (error instanceof HttpProblem) return json(error.status, { error: error.message });
        log.error({ err: error, path: req.url }, 'request failed');
        return json(503, { error: 'the request could not be served; see the daemon log' });
      })
      .then((reply) => {
        res.writeHead(reply.status, {
          'content-type': reply.type,
          ...(reply.status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
          ...(reply.status === 405 ? { allow: 'GET, HEAD' } : {}),
        });
        res.end(req.method === 'HEAD' ? undefined : reply.body);
        log.debug({ method: req.method, path: req.url?.split('?')[0], status: reply.status, ms: Date.now() - started }, 'request');
      });
  };
}

interface Reply {
  status: number;
  type: string;
  body: string;
}

function json(status: number, body: unknown): Reply {
  return { status, type: 'application/json; charset=utf-8', body: `${JSON.stringify(body)}\n` };
}

/** `from`/`to` as ISO-8601 or epoch milliseconds. */
function timeParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const t = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(t)) throw new HttpProblem(400, `"${name}" must be an ISO-8601 time or epoch milliseconds, not "${raw.slice(0, 40)}"`);
  return t;
}

/** Any configured token may read; compared in constant time so response timing reveals nothing. */
function authorize(req: IncomingMessage, tokens: HttpConfig['tokens']): void {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer (.+)$/i.exec(header);
  if (!match) throw new HttpProblem(401, 'a bearer token is required (Authorization: Bearer <token>)');
  const given = Buffer.from(match[1] as string);
  const ok = tokens.some((t) => {
    const want = Buffer.from(t.token);
    return want.length === given.length && timingSafeEqual(want, given);
  });
  if (!ok) throw new HttpProblem(401, 'the bearer token is not valid');
}

/** Metric rows grouped per window, as GET /api/models/:id/windows returns them. */
function groupWindows(rows: readonly MetricRow[]) {
  const windows = new Map<string, { version: string; start: string; end: string; rows: number; labelledRows: number; metrics: unknown[] }>();
  for (const r of rows) {
    const key = `${r.version}\u0000${r.windowStart}\u0000${r.windowEnd}`;
    let w = windows.get(key);
    if (!w) {
      w = { version: r.version, start: new Date(r.windowStart).toISOString(), end: new Date(r.windowEnd).toISOString(), rows: 0, labelledRows: 0, metrics: [] };
      windows.set(key, w);
    }
    w.rows = Math.max(w.rows, r.rows);
    w.labelledRows = Math.max(w.labelledRows, r.labelledRows);
    w.metrics.push({ metric: r.metric, feature: r.feature || null, group: r.group || null, value: r.value, ...(r.details !== undefined ? { details: r.details } : {}) });
  }
  return [...windows.values()].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}
