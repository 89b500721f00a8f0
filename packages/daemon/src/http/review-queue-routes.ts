/**
 * The review-queue endpoints (docs/review.md, "HTTP API"): list and show flagged predictions, claim one, decide it.
 * Items hold the features of real predictions (personal data), so even reading needs a `reviewer` or `admin`
 * token, whatever `readsRequireToken` says. The token's name is the reviewer in the queue and the audit log.
 */
import type { HttpRole, HttpTokenConfig } from '@vigil/core';
import type { ReviewItem, ReviewItemStatus, ReviewVerdict } from '@vigil/store';
import type { Route } from './alert-routes';
import { HttpProblem, json, pathParam } from './http-reply';
import { BodyFields, readJsonBody } from './request-body';
import type { ReviewQueueService } from '../review/review-queue-service';

export const REVIEWERS: readonly HttpRole[] = ['reviewer', 'admin'];

/** Roles per endpoint, for docs and tests. */
export const REVIEW_QUEUE_ROLES = {
  'GET /api/review-queue': REVIEWERS,
  'GET /api/review-queue/:id': REVIEWERS,
  'POST /api/review-queue/:id/claim': REVIEWERS,
  'POST /api/review-queue/:id/verdict': REVIEWERS,
} as const;

export function reviewQueueRoutes(queue: ReviewQueueService | undefined): Route[] {
  const need = (): ReviewQueueService => {
    if (!queue) throw new HttpProblem(503, 'the review queue is not served by this process');
    return queue;
  };
  const reviewer = (token: HttpTokenConfig | undefined): string => token?.name ?? 'anonymous';
  return [
    {
      pattern: /^\/api\/review-queue$/,
      method: 'GET',
      access: REVIEWERS,
      async handle({ url }) {
        const limitParam = url.searchParams.get('limit');
        const limit = limitParam === null ? 100 : Number(limitParam);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
          throw new HttpProblem(400, '"limit" must be an integer from 1 to 1000');
        const param = (name: string) => {
          const v = url.searchParams.get(name);
          return v === null || v === '' ? undefined : v;
        };
        const model = param('model');
        const status = param('status');
        const reason = param('reason');
        const items = await need().list({
          ...(model ? { model } : {}),
          ...(status ? { status: status as ReviewItemStatus } : {}),
          ...(reason ? { reason } : {}),
          limit,
        });
        return json(200, { items: items.map(presentItem) });
      },
    },
    {
      pattern: /^\/api\/review-queue\/([^/]+)$/,
      method: 'GET',
      access: REVIEWERS,
      async handle({ match }) {
        return json(200, { item: presentItem(await need().show(pathParam(match[1] as string))) });
      },
    },
    {
      pattern: /^\/api\/review-queue\/([^/]+)\/claim$/,
      method: 'POST',
      access: REVIEWERS,
      async handle({ match, req, token }) {
        new BodyFields(await readJsonBody(req), []);
        return json(200, { item: presentItem(await need().claim(pathParam(match[1] as string), reviewer(token))) });
      },
    },
    {
      pattern: /^\/api\/review-queue\/([^/]+)\/verdict$/,
      method: 'POST',
      access: REVIEWERS,
      async handle({ match, req, token }) {
        const body = await readJsonBody(req);
        const f = new BodyFields(body, ['verdict', 'label', 'reason']);
        const verdict = f.string('verdict', true);
        if (verdict !== 'agree' && verdict !== 'override')
          throw new HttpProblem(400, `"verdict" must be agree or override, not "${verdict.slice(0, 40)}"`);
        const label = body.label;
        if (label !== undefined && label !== null && (typeof label !== 'number' || !Number.isFinite(label)))
          throw new HttpProblem(400, '"label" must be a number');
        const reason = f.string('reason', true);
        const item = await need().decide(pathParam(match[1] as string), reviewer(token), {
          verdict: verdict as ReviewVerdict,
          reason,
          ...(typeof label === 'number' ? { label } : {}),
        });
        return json(200, { item: presentItem(item) });
      },
    },
  ];
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** An item as the API (and `vigil queue … --json`) shows it: every time as ISO-8601, its context's too. */
export function presentItem(item: ReviewItem) {
  return {
    ...item,
    eventTs: iso(item.eventTs),
    flaggedAt: iso(item.flaggedAt),
    expiresAt: iso(item.expiresAt),
    claimedAt: iso(item.claimedAt),
    claimExpiresAt: iso(item.claimExpiresAt),
    decidedAt: iso(item.decidedAt),
    context: presentContext(item.context),
  };
}

/** A number where the store keeps a time (ms); anything else (an older item's context) is shown as it is. */
const isoAt = (value: unknown): unknown => (typeof value === 'number' ? iso(value) : value);
const record = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The context's times (the window's start and end, when it was filled in, each open incident's opening) as ISO-8601. */
function presentContext(context: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...context };
  if (record(context.window))
    out.window = { ...context.window, start: isoAt(context.window.start), end: isoAt(context.window.end) };
  if ('windowFilledAt' in context) out.windowFilledAt = isoAt(context.windowFilledAt);
  if (Array.isArray(context.openIncidents))
    out.openIncidents = context.openIncidents.map((i: unknown) =>
      record(i) ? { ...i, openedAt: isoAt(i.openedAt) } : i,
    );
  return out;
}
