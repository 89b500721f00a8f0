/**
 * The alert endpoints (docs/alerts.md, "HTTP API and roles"): incidents, silences, reviews, pause and resume. Who may call what
 * (docs/alerts.md): owners acknowledge, resolve and silence; responders also open reviews and pause or resume
 * models; admins may do everything. Every change is recorded with the token's name as the actor and the body's
 * `reason`.
 */
import type { IncomingMessage } from 'node:http';
import type { AlertingOperations } from '@vigil/alerts';
import type { HttpRole, HttpTokenConfig } from '@vigil/core';
import type { ReviewDetail } from '@vigil/alerts';
import type { AuditEntry } from '@vigil/store';
import { HttpProblem, json, MAX_TIME_MS, pathParam, type Reply } from './http-reply';
import { BodyFields, readJsonBody } from './request-body';

export interface Route {
  pattern: RegExp;
  method: 'GET' | 'POST';
  /** `open`: no token ever; `read`: a token when reads require one; a role list: a token with one of them. */
  access: 'open' | 'read' | readonly HttpRole[];
  handle: (ctx: {
    match: RegExpExecArray;
    url: URL;
    req: IncomingMessage;
    token: HttpTokenConfig | undefined;
  }) => Promise<Reply>;
}

const ANYONE: readonly HttpRole[] = ['owner', 'responder', 'admin'];
const RESPONDERS: readonly HttpRole[] = ['responder', 'admin'];
const STATUSES = ['firing', 'acknowledged', 'resolved', 'silenced'] as const;
const REVIEW_STATUSES = ['open', 'closed'] as const;

/** Roles per write endpoint, for docs and tests. */
export const WRITE_ROLES = {
  'POST /api/incidents/:id/ack': ANYONE,
  'POST /api/incidents/:id/resolve': ANYONE,
  'POST /api/silences': ANYONE,
  'POST /api/reviews': RESPONDERS,
  'POST /api/reviews/:id/findings': RESPONDERS,
  'POST /api/reviews/:id/close': RESPONDERS,
  'POST /api/models/:id/pause': RESPONDERS,
  'POST /api/models/:id/resume': RESPONDERS,
} as const;

export function alertRoutes(alerting: AlertingOperations | undefined): Route[] {
  const need = (): AlertingOperations => {
    if (!alerting) throw new HttpProblem(503, 'alerting is not running in this process');
    return alerting;
  };
  const actor = (token: HttpTokenConfig | undefined): string => token?.name ?? 'anonymous';
  const param = (match: RegExpExecArray): string => pathParam(match[1] as string);

  return [
    {
      pattern: /^\/api\/incidents$/,
      method: 'GET',
      access: 'read',
      async handle({ url }) {
        const statusParam = url.searchParams.get('status');
        const statuses = statusParam === null || statusParam === '' ? undefined : statusParam.split(',');
        const bad = statuses?.find((s) => !(STATUSES as readonly string[]).includes(s) && s !== 'open');
        if (bad !== undefined)
          throw new HttpProblem(
            400,
            `"status" must be a comma-separated list of open, ${STATUSES.join(', ')}; not "${bad.slice(0, 40)}"`,
          );
        const expanded = statuses?.flatMap((s) => (s === 'open' ? ['firing', 'acknowledged', 'silenced'] : [s])) as
          (typeof STATUSES)[number][] | undefined;
        const limitParam = url.searchParams.get('limit');
        const limit = limitParam === null ? 100 : Number(limitParam);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
          throw new HttpProblem(400, '"limit" must be an integer from 1 to 1000');
        const model = url.searchParams.get('model') ?? undefined;
        const incidents = await need().listIncidents({
          ...(model ? { model } : {}),
          ...(expanded ? { statuses: expanded } : {}),
          limit,
        });
        return json(200, { incidents: incidents.map(present) });
      },
    },
    {
      pattern: /^\/api\/incidents\/([^/]+)$/,
      method: 'GET',
      access: 'read',
      async handle({ match }) {
        const detail = await need().getIncident(param(match));
        return json(200, { incident: present(detail), history: detail.history, notifications: detail.notifications });
      },
    },
    {
      pattern: /^\/api\/incidents\/([^/]+)\/(ack|resolve)$/,
      method: 'POST',
      access: ANYONE,
      async handle({ match, req, token }) {
        const f = new BodyFields(await readJsonBody(req), ['reason']);
        const who = { actor: actor(token), reason: f.string('reason', true) };
        const id = param(match);
        const incident = match[2] === 'ack' ? await need().acknowledge(id, who) : await need().resolve(id, who);
        return json(200, { incident: present(incident) });
      },
    },
    {
      pattern: /^\/api\/silences$/,
      method: 'POST',
      access: ANYONE,
      async handle({ req, token }) {
        const f = new BodyFields(await readJsonBody(req), [
          'model',
          'version',
          'metric',
          'feature',
          'group',
          'incidentId',
          'expiresAt',
          'duration',
          'reason',
        ]);
        const incidentId = f.string('incidentId');
        const model = incidentId === undefined ? f.string('model', true) : (f.string('model') ?? '');
        const expiresAt = f.time('expiresAt');
        const durationMs = f.duration('duration');
        if (expiresAt === undefined && durationMs === undefined)
          throw new HttpProblem(400, 'a silence needs "expiresAt" or "duration": silences always expire');
        const optional = (name: string) => {
          const v = f.string(name);
          return v === undefined ? {} : { [name]: v };
        };
        const result = await need().silence({
          model,
          ...optional('version'),
          ...optional('metric'),
          ...optional('feature'),
          ...optional('group'),
          ...(incidentId === undefined ? {} : { incidentId }),
          ...(expiresAt === undefined ? {} : { expiresAt }),
          ...(durationMs === undefined ? {} : { durationMs }),
          actor: actor(token),
          reason: f.string('reason', true),
        });
        return json(201, {
          silence: {
            ...result.silence,
            startsAt: iso(result.silence.startsAt),
            expiresAt: iso(result.silence.expiresAt),
            createdAt: iso(result.silence.createdAt),
          },
          silenced: result.silenced.map(present),
        });
      },
    },
    {
      pattern: /^\/api\/reviews$/,
      method: 'POST',
      access: RESPONDERS,
      async handle({ req, token }) {
        const f = new BodyFields(await readJsonBody(req), ['model', 'version', 'reason', 'from', 'to']);
        const from = f.time('from');
        const to = f.time('to');
        const version = f.string('version');
        const review = await need().openReview({
          model: f.string('model', true),
          ...(version ? { version } : {}),
          ...(from === undefined ? {} : { from }),
          ...(to === undefined ? {} : { to }),
          actor: actor(token),
          reason: f.string('reason', true),
        });
        return json(201, { review: summarizeReview(review) });
      },
    },
    {
      pattern: /^\/api\/reviews$/,
      method: 'GET',
      access: 'read',
      async handle({ url }) {
        const status = url.searchParams.get('status') || undefined;
        if (status !== undefined && !(REVIEW_STATUSES as readonly string[]).includes(status))
          throw new HttpProblem(400, `"status" must be open or closed, not "${status.slice(0, 40)}"`);
        const limit = limitParam(url, 50);
        const model = url.searchParams.get('model') || undefined;
        const after = reviewCursor(url.searchParams.get('after'));
        // One more than asked: whether there is a next page, without an empty last one.
        const reviews = await need().listReviews({
          ...(model ? { model } : {}),
          ...(status ? { status: status as (typeof REVIEW_STATUSES)[number] } : {}),
          ...(after ? { after } : {}),
          limit: limit + 1,
        });
        const page = reviews.slice(0, limit);
        const last = page[page.length - 1];
        return json(200, {
          reviews: page.map((r) => ({
            ...presentReviewHead(r),
            evidence: { ...r.evidence, from: iso(r.evidence.from), to: iso(r.evidence.to) },
            findings: r.findings,
          })),
          next:
            reviews.length > limit && last ? Buffer.from(`${last.openedAt}:${last.id}`).toString('base64url') : null,
        });
      },
    },
    {
      pattern: /^\/api\/reviews\/([^/]+)$/,
      method: 'GET',
      access: 'read',
      async handle({ match }) {
        return json(200, { review: presentReview(await need().getReview(param(match))) });
      },
    },
    {
      pattern: /^\/api\/reviews\/([^/]+)\/findings$/,
      method: 'POST',
      access: RESPONDERS,
      async handle({ match, req, token }) {
        const f = new BodyFields(await readJsonBody(req), ['text']);
        const finding = await need().addFinding(param(match), { actor: actor(token), text: f.string('text', true) });
        return json(201, { finding: { ...finding, at: iso(finding.at) } });
      },
    },
    {
      pattern: /^\/api\/reviews\/([^/]+)\/close$/,
      method: 'POST',
      access: RESPONDERS,
      async handle({ match, req, token }) {
        const f = new BodyFields(await readJsonBody(req), ['outcome', 'reason']);
        const outcome = f.string('outcome', true) as Parameters<AlertingOperations['closeReview']>[1]['outcome'];
        const review = await need().closeReview(param(match), {
          actor: actor(token),
          outcome,
          reason: f.string('reason', true),
        });
        return json(200, { review: presentReview(review) });
      },
    },
    {
      pattern: /^\/api\/audit$/,
      method: 'GET',
      access: 'read',
      async handle({ url }) {
        const limit = limitParam(url, 100);
        const after = url.searchParams.get('after') || undefined;
        if (after !== undefined && !/^\d{1,18}$/.test(after))
          throw new HttpProblem(
            400,
            `"after" must be the "next" cursor of a previous page (an entry id), not "${after.slice(0, 40)}"`,
          );
        const model = url.searchParams.get('model') || undefined;
        const from = auditTime(url, 'from');
        const to = auditTime(url, 'to');
        if (from !== undefined && to !== undefined && from > to)
          throw new HttpProblem(400, `"from" (${iso(from)}) is after "to" (${iso(to)})`);
        const entries = await need().auditLog({
          ...(model ? { model } : {}),
          ...(from !== undefined ? { from } : {}),
          ...(to !== undefined ? { to } : {}),
          ...(after ? { afterId: after } : {}),
          limit: limit + 1,
        });
        const page = entries.slice(0, limit);
        return json(200, {
          entries: page.map(presentAudit),
          next: entries.length > limit ? (page[page.length - 1]?.id ?? null) : null,
        });
      },
    },
    {
      pattern: /^\/api\/models\/([^/]+)\/(pause|resume)$/,
      method: 'POST',
      access: RESPONDERS,
      async handle({ match, req, token }) {
        const f = new BodyFields(await readJsonBody(req), ['reason']);
        const who = { actor: actor(token), reason: f.string('reason', true) };
        const control =
          match[2] === 'pause'
            ? await need().pauseModel(param(match), who)
            : await need().resumeModel(param(match), who);
        return json(200, {
          model: control.model,
          paused: control.paused,
          reason: control.reason,
          by: control.changedBy,
          at: iso(control.changedAt),
        });
      },
    },
  ];
}

const iso = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

function limitParam(url: URL, fallback: number): number {
  const raw = url.searchParams.get('limit');
  const limit = raw === null || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new HttpProblem(400, '"limit" must be an integer from 1 to 1000');
  return limit;
}

/** `after` of GET /api/reviews: the `next` of the previous page (the opening time and id of its last review). */
function reviewCursor(raw: string | null): { openedAt: number; id: string } | undefined {
  if (raw === null || raw === '') return undefined;
  const text = Buffer.from(raw, 'base64url').toString('utf8');
  const m = /^(\d{1,16}):(rev_[0-9a-f-]{1,64})$/.exec(text);
  if (!m) throw new HttpProblem(400, '"after" must be the "next" cursor of a previous page');
  return { openedAt: Number(m[1]), id: m[2] as string };
}

/** `from`/`to` of GET /api/audit: ISO-8601 or epoch milliseconds. */
function auditTime(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  const t = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(t) || Math.abs(t) > MAX_TIME_MS)
    throw new HttpProblem(400, `"${name}" must be an ISO-8601 time or epoch milliseconds, not "${raw.slice(0, 40)}"`);
  return t;
}

function presentAudit(e: AuditEntry) {
  return {
    id: e.id,
    at: iso(e.at),
    actor: e.actor,
    action: e.action,
    reason: e.reason,
    model: e.model,
    incidentId: e.incidentId,
    details: e.details,
  };
}

function presentReviewHead(r: Omit<ReviewDetail, 'evidence' | 'findings'>) {
  return {
    id: r.id,
    model: r.model,
    version: r.version || null,
    reason: r.reason,
    openedBy: r.openedBy,
    openedAt: iso(r.openedAt),
    status: r.status,
    closedAt: iso(r.closedAt),
    closedBy: r.closedBy ?? null,
    outcome: r.outcome ?? null,
    closeReason: r.closeReason ?? null,
  };
}

/** A review with its frozen evidence (as stored: times in epoch ms) and its findings. */
function presentReview(r: ReviewDetail) {
  return {
    ...presentReviewHead(r),
    evidence: r.evidence,
    findings: r.findings.map((f) => ({ id: f.id, at: iso(f.at), author: f.author, text: f.text })),
  };
}

/** An incident as the API shows it: ISO times, null for "no feature/group". */
function present(i: Awaited<ReturnType<AlertingOperations['listIncidents']>>[number]) {
  return {
    id: i.id,
    status: i.status,
    severity: i.severity,
    kind: i.kind,
    model: i.model,
    version: i.version,
    metric: i.metric,
    feature: i.feature || null,
    group: i.group || null,
    value: i.value,
    threshold: i.threshold,
    comparison: i.comparison,
    window: { start: iso(i.windowStart), end: iso(i.windowEnd), rows: i.windowRows },
    openedAt: iso(i.openedAt),
    updatedAt: iso(i.updatedAt),
    acknowledgedAt: iso(i.acknowledgedAt),
    acknowledgedBy: i.acknowledgedBy,
    resolvedAt: iso(i.resolvedAt),
    resolvedBy: i.resolvedBy,
    silencedUntil: iso(i.silencedUntil),
    escalationStep: i.escalationStep,
    deliveryFailures: i.deliveryFailures,
    detail: i.detail,
  };
}

function summarizeReview(r: Awaited<ReturnType<AlertingOperations['openReview']>>) {
  const e = r.evidence;
  return {
    id: r.id,
    model: r.model,
    version: r.version || null,
    reason: r.reason,
    openedBy: r.openedBy,
    openedAt: iso(r.openedAt),
    status: r.status,
    evidence: {
      from: iso(e.from),
      to: iso(e.to),
      metricRows: e.metricRows.length,
      windows: e.windows.length,
      incidents: e.incidents.length,
      referenceProfiles: e.referenceProfiles.map((p) => p.id),
      auditEntries: e.audit.length,
    },
  };
}
