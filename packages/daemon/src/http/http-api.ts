/**
 * The daemon's HTTP API (docs/streaming.md, "HTTP API"): health, readiness, Prometheus metrics, models and their windows, and the
 * alert endpoints (alert-routes.ts): incidents, silences, reviews, pause and resume. Built on node:http;
 * `createHttpApi` returns a request listener, so building the app is separate from listening (fastify's
 * app/server split). Bad requests get a 4xx with a reason; store failures a 503 without internals (they are
 * logged). Write endpoints need a bearer token whose role allows them; reads need one when configured.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AlertingOperations } from '@vigil/alerts';
import {
  didYouMean,
  isVigilError,
  METRIC_NAMES,
  VigilError,
  type HttpConfig,
  type HttpTokenConfig,
  type Logger,
} from '@vigil/core';
import type { Store } from '@vigil/store';
import { alertRoutes, type Route } from './alert-routes';
import { groupWindows } from './metric-windows';
import { reviewPageRoutes } from './review-page-routes';
import { reviewQueueRoutes } from './review-queue-routes';
import type { ReviewQueueService } from '../review/review-queue-service';
import { HttpProblem, json, matchToken, MAX_TIME_MS, pathParam, refuseNul, type Reply } from './http-reply';
import type { PrometheusRegistry } from './prometheus-registry';

export interface HttpApiDependencies {
  store: Pick<Store, 'models' | 'metrics'>;
  http: Pick<HttpConfig, 'tokens' | 'readsRequireToken'>;
  registry: PrometheusRegistry;
  /** Why the daemon is not ready (empty when it is): a broker or database outage, start-up in progress. */
  notReadyReasons: () => readonly string[];
  logger: Logger;
  now?: () => number;
  /** The alert lifecycle; absent: the alert endpoints answer 503. */
  alerting?: AlertingOperations;
  /** The human review queue (docs/review.md); absent: its endpoints answer 503. */
  reviewQueue?: ReviewQueueService;
}

const DAY_MS = 86_400_000;

/** VigilError codes from the alerting operations, as HTTP statuses. */
const STATUS_OF: Partial<Record<string, number>> = { VIGIL_USAGE: 400, VIGIL_NOT_FOUND: 404, VIGIL_CONFLICT: 409 };

/**
 * Every route of the API, in match order: what `createHttpApi` serves, and what the security tests enumerate (so a
 * new route cannot go untested).
 */
export function apiRoutes(deps: HttpApiDependencies): Route[] {
  return [
    { pattern: /^\/healthz$/, method: 'GET', access: 'open', handle: async () => json(200, { status: 'ok' }) },
    {
      pattern: /^\/readyz$/,
      method: 'GET',
      access: 'open',
      handle: async () => {
        const reasons = deps.notReadyReasons();
        return json(reasons.length === 0 ? 200 : 503, { ready: reasons.length === 0, reasons });
      },
    },
    {
      pattern: /^\/metrics$/,
      method: 'GET',
      access: 'open',
      handle: async () => ({ status: 200, type: deps.registry.contentType, body: await deps.registry.render() }),
    },
    {
      pattern: /^\/api\/models$/,
      method: 'GET',
      access: 'read',
      handle: async () => {
        const models = await deps.store.models.list();
        if (!deps.alerting) return json(200, { models });
        // With alerting, each model says whether its kill switch is on (and who turned it on, and why).
        const controls = new Map((await deps.alerting.modelControls()).map((c) => [c.model, c]));
        return json(200, {
          models: models.map((m) => {
            const c = controls.get(m.model);
            return {
              ...m,
              paused: c?.paused ?? false,
              ...(c?.paused
                ? { pausedBy: c.changedBy, pausedAt: new Date(c.changedAt).toISOString(), pauseReason: c.reason }
                : {}),
            };
          }),
        });
      },
    },
    {
      pattern: /^\/api\/models\/([^/]+)\/windows$/,
      method: 'GET',
      access: 'read',
      handle: async ({ match, url }) => {
        const model = pathParam(match[1] as string);
        const now = deps.now?.() ?? Date.now();
        const to = timeParam(url, 'to', now);
        const from = timeParam(url, 'from', to - DAY_MS);
        if (from > to)
          throw new HttpProblem(
            400,
            `"from" (${new Date(from).toISOString()}) is after "to" (${new Date(to).toISOString()})`,
          );
        const ids = (await deps.store.models.list()).map((m) => m.model);
        if (!ids.includes(model)) {
          const guess = didYouMean(model, ids);
          // VIGIL_NOT_FOUND, as an unknown incident's 404: the body carries the code.
          throw new VigilError(
            'VIGIL_NOT_FOUND',
            `no model "${model}"${guess === undefined ? '' : `; did you mean "${guess}"?`}`,
          );
        }
        const version = url.searchParams.get('version') ?? undefined;
        const metric = metricParam(url);
        const rows = await deps.store.metrics.rows(model, {
          from,
          to,
          ...(version !== undefined ? { version } : {}),
          ...(metric !== undefined ? { metric } : {}),
        });
        return json(200, {
          model,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          windows: groupWindows(rows),
        });
      },
    },
    ...alertRoutes(deps.alerting),
    ...reviewQueueRoutes(deps.reviewQueue),
    ...reviewPageRoutes(deps.reviewQueue, deps.http),
  ];
}

export function createHttpApi(deps: HttpApiDependencies): (req: IncomingMessage, res: ServerResponse) => void {
  const log = deps.logger.child({ component: 'http' });
  const routes = apiRoutes(deps);

  return (req, res) => {
    const started = Date.now();
    let allow = '';
    void (async (): Promise<Reply> => {
      const url = requestUrl(req.url ?? '/');
      const candidates = routes.filter((r) => r.pattern.test(url.pathname));
      if (candidates.length === 0) throw new HttpProblem(404, `no endpoint ${url.pathname}`);
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      const route = candidates.find((r) => r.method === method);
      if (!route) {
        allow = [...new Set(candidates.flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method])))].join(', ');
        throw new HttpProblem(405, `${req.method} is not allowed on ${url.pathname}; use ${allow}`);
      }
      let token: HttpTokenConfig | undefined;
      if (route.access === 'read') {
        // A token sent with an open read is checked too: a wrong one is a 401, not silently ignored (RFC 6750's
        // invalid_token), so a responder who tries a token with a GET learns whether it works. Without tokens
        // configured there is nothing to check it against, and reads stay open.
        const presented = req.headers.authorization !== undefined && deps.http.tokens.length > 0;
        if (deps.http.readsRequireToken || presented) token = authorize(req, deps.http.tokens);
      } else if (route.access !== 'open') {
        token = authorize(req, deps.http.tokens);
        if (!route.access.includes(token.role))
          throw new HttpProblem(
            403,
            `the token "${token.name}" has the role ${token.role}; ${route.method} ${url.pathname} needs ${route.access.join(' or ')}`,
          );
      }
      for (const [name, value] of url.searchParams) refuseNul(`${name}=${value}`, 'a query parameter');
      return route.handle({ match: route.pattern.exec(url.pathname) as RegExpExecArray, url, req, token });
    })()
      .catch((error: unknown): Reply => {
        if (error instanceof HttpProblem) return json(error.status, { error: error.message, code: error.code });
        const status = isVigilError(error) ? STATUS_OF[error.code] : undefined;
        if (status !== undefined && isVigilError(error))
          return json(status, { error: error.message, code: error.code });
        log.error({ err: error, path: req.url?.split('?')[0] }, 'request failed');
        return json(503, {
          error: 'the request could not be served; see the daemon log',
          code: isVigilError(error) ? error.code : 'VIGIL_INTERNAL',
        });
      })
      .then((reply) => {
        // An unread request body must not hold the connection (a refusal before reading it).
        if (!req.readableEnded) req.resume();
        res.writeHead(reply.status, {
          'content-type': reply.type,
          ...(reply.status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
          ...(reply.status === 405 ? { allow } : {}),
          ...reply.headers,
        });
        res.end(req.method === 'HEAD' ? undefined : reply.body);
        log.debug(
          { method: req.method, path: req.url?.split('?')[0], status: reply.status, ms: Date.now() - started },
          'request',
        );
      });
  };
}

/** The request target as a URL; an absolute-form target that is not a URL (`http://[`) is a 400. */
function requestUrl(target: string): URL {
  try {
    return new URL(target, 'http://vigil.invalid');
  } catch {
    throw new HttpProblem(400, 'the request target is not a valid URL');
  }
}

/** `metric`: one of the metric names (docs/metrics.md, "Metric rows"); another is a 400, with the nearest name. */
function metricParam(url: URL): string | undefined {
  const metric = url.searchParams.get('metric');
  if (metric === null || metric === '') return undefined;
  if ((METRIC_NAMES as readonly string[]).includes(metric)) return metric;
  const guess = didYouMean(metric, METRIC_NAMES);
  throw new VigilError(
    'VIGIL_USAGE',
    `no metric "${metric.slice(0, 40)}"${guess === undefined ? ' (the metrics: docs/metrics.md, "Metric rows")' : `; did you mean "${guess}"?`}`,
  );
}

/** `from`/`to` as ISO-8601 or epoch milliseconds. */
function timeParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const t = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(t) || Math.abs(t) > MAX_TIME_MS)
    throw new HttpProblem(400, `"${name}" must be an ISO-8601 time or epoch milliseconds, not "${raw.slice(0, 40)}"`);
  return t;
}

/**
 * The configured token the request carries, compared in constant time so response timing reveals nothing. Any
 * token may read; the caller checks its role for writes.
 */
function authorize(req: IncomingMessage, tokens: HttpConfig['tokens']): HttpTokenConfig {
  if (tokens.length === 0)
    throw new HttpProblem(
      401,
      'this endpoint needs a bearer token, and none is configured (http.tokens or VIGIL_TOKENS)',
    );
  const header = req.headers.authorization ?? '';
  const match = /^Bearer (.+)$/i.exec(header);
  if (!match) throw new HttpProblem(401, 'a bearer token is required (Authorization: Bearer <token>)');
  const found = matchToken(match[1] as string, tokens);
  if (!found) throw new HttpProblem(401, 'the bearer token is not valid');
  return found;
}
