/**
 * What notifications say. The generic webhook payload is the contract of docs/alerts.md, "Notifiers"; the other notifiers
 * derive their own formats from it. `dedupKey` names the incident's subject and never changes for it, so a
 * retried or repeated notification is recognised downstream; `notificationId` names one delivery (the same on
 * every retry of it).
 */
import type { Comparison } from '@vigil/core';
import type { Incident } from '@vigil/store';
import { beyond } from '../rules/rule-evaluation';

export interface IncidentPayload {
  dedupKey: string;
  incidentId: string;
  notificationId: string;
  status: Incident['status'];
  severity: Incident['severity'];
  model: string;
  version: string;
  metric: string;
  feature: string | null;
  group: string | null;
  value: number | null;
  threshold: number | null;
  comparison: string | null;
  window: { start: string | null; end: string | null; rows: number | null };
  owner: string;
  escalationStep: number;
  /** Who acknowledged it (acknowledgement notices, and notices after one). */
  acknowledgedBy: string | null;
  detail: string | null;
  /**
   * Resolve notices: the window that cleared the incident, its value and the clear threshold (null when resolved
   * by hand — see `resolvedBy` — or by a model condition ending). Null on other notices.
   */
  resolution: { window: PayloadWindow; value: number | null; clearThreshold: number; comparison: string } | null;
  /**
   * Resolve notices: the last window that breached the threshold (the same as `value`, `threshold`, `window`; a
   * window only above the clear threshold kept the incident firing but is not a breach, and does not move them).
   */
  lastBreach: {
    window: PayloadWindow;
    value: number | null;
    threshold: number | null;
    comparison: string | null;
  } | null;
  /** Who resolved it (resolve notices): `vigil` when it cleared by itself. */
  resolvedBy: string | null;
  /**
   * The notification group (`alerts.groupBy` labels, `credit-risk/7`) of a rule incident; null for a model
   * condition. A group's notice has `dedupKey` = `groupKey`, and its subject fields describe its lead subject.
   */
  groupKey: string | null;
  /** A group's notice: every subject it tells of (the lead first); null on other notifications. */
  subjects: SubjectPayload[] | null;
  links: { dashboard: string | null; incident: string | null };
}

/** One subject of a group's notice: the incident, as the single-subject payload describes it. */
export type SubjectPayload = Pick<
  IncidentPayload,
  | 'dedupKey'
  | 'incidentId'
  | 'status'
  | 'severity'
  | 'model'
  | 'version'
  | 'metric'
  | 'feature'
  | 'group'
  | 'value'
  | 'threshold'
  | 'comparison'
  | 'window'
  | 'detail'
  | 'resolution'
  | 'lastBreach'
> & { openedAt: string; resolvedAt: string | null };

export interface PayloadWindow {
  start: string | null;
  end: string | null;
  rows: number | null;
}

export interface ReviewPayload {
  type: 'review';
  dedupKey: string;
  reviewId: string;
  notificationId: string;
  model: string;
  version: string | null;
  reason: string;
  openedBy: string;
  openedAt: string;
  evidence: { metricRows: number; windows: number; incidents: number; referenceProfiles: string[] };
  owner: string;
  links: { review: string | null };
}

/**
 * A notification to send: an incident's (firing, acknowledged, resolved) or a review's. An incident's carries its
 * opening and resolve times (epoch ms) for the receivers that want them as timestamps (Alertmanager's `startsAt`
 * and `endsAt`, PagerDuty's `payload.timestamp`).
 */
export type Notification =
  | { kind: 'incident'; payload: IncidentPayload; openedAt: number; resolvedAt: number | null }
  | { kind: 'review'; payload: ReviewPayload };

/** `model/version/metric/feature/group`, '-' for none: stable for the life of an incident's subject. */
export function dedupKey(k: {
  model: string;
  version: string;
  metric: string;
  feature: string;
  group: string;
}): string {
  return [k.model, k.version || '-', k.metric, k.feature || '-', k.group || '-'].join('/');
}

export interface PayloadLinks {
  /** Base URL of Vigil's HTTP API as people reach it, for `links.incident`. */
  publicUrl?: string;
  /** Base URL of Grafana, for `links.dashboard` (the model overview dashboard, uid `vigil-model`). */
  grafanaUrl?: string;
}

export interface PayloadOptions {
  notificationId: string;
  owner: string;
  step: number;
  links: PayloadLinks;
  /** The incident's notification group key, when it has one. */
  groupKey?: string | null;
}

export function incidentPayload(incident: Incident, o: PayloadOptions): IncidentPayload {
  const base = o.links.publicUrl?.replace(/\/+$/, '');
  const grafana = o.links.grafanaUrl?.replace(/\/+$/, '');
  const window = payloadWindow(incident.windowStart, incident.windowEnd, incident.windowRows);
  const resolved = incident.status === 'resolved';
  const r = incident.resolution;
  return {
    dedupKey: dedupKey(incident),
    incidentId: incident.id,
    notificationId: o.notificationId,
    status: incident.status,
    severity: incident.severity,
    model: incident.model,
    version: incident.version,
    metric: incident.metric,
    feature: incident.feature || null,
    group: incident.group || null,
    value: incident.value,
    threshold: incident.threshold,
    comparison: incident.comparison,
    window,
    owner: o.owner,
    escalationStep: o.step,
    acknowledgedBy: incident.acknowledgedBy,
    detail: incident.detail,
    resolution:
      resolved && r !== null
        ? {
            window: payloadWindow(r.windowStart, r.windowEnd, r.rows),
            value: r.value,
            clearThreshold: r.clearThreshold,
            comparison: r.comparison,
          }
        : null,
    lastBreach: resolved
      ? { window, value: incident.value, threshold: incident.threshold, comparison: incident.comparison }
      : null,
    resolvedBy: resolved ? incident.resolvedBy : null,
    groupKey: o.groupKey ?? null,
    subjects: null,
    links: {
      dashboard: grafana ? `${grafana}/d/vigil-model?var-model=${encodeURIComponent(incident.model)}` : null,
      incident: base ? `${base}/api/incidents/${encodeURIComponent(incident.id)}` : null,
    },
  };
}

const SEVERITY_RANK = { warning: 1, critical: 2 } as const;

/**
 * A notification group's notice about `subjects` (at least one): the payload of the lead subject — one in the
 * notice's status, the most severe, then the earliest opened — so receivers written for one subject per notice keep working, with the group's
 * `dedupKey`, its highest severity, and every subject in `subjects`.
 */
export function groupNotification(
  group: { groupKey: string; acknowledgedBy: string | null },
  subjects: readonly Incident[],
  status: Incident['status'],
  o: Omit<PayloadOptions, 'groupKey'>,
): Notification {
  const rank = (i: Incident) => (i.status === status ? 0 : 1);
  const ordered = [...subjects].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      a.openedAt - b.openedAt ||
      dedupKey(a).localeCompare(dedupKey(b)),
  );
  const lead = ordered[0]!;
  const payload = incidentPayload({ ...lead, status }, { ...o, groupKey: group.groupKey });
  const subjectPayloads = ordered.map((i): SubjectPayload => {
    const p = incidentPayload(i, o);
    return {
      dedupKey: p.dedupKey,
      incidentId: p.incidentId,
      status: p.status,
      severity: p.severity,
      model: p.model,
      version: p.version,
      metric: p.metric,
      feature: p.feature,
      group: p.group,
      value: p.value,
      threshold: p.threshold,
      comparison: p.comparison,
      window: p.window,
      detail: p.detail,
      resolution: p.resolution,
      lastBreach: p.lastBreach,
      openedAt: new Date(i.openedAt).toISOString(),
      resolvedAt: i.resolvedAt === null ? null : new Date(i.resolvedAt).toISOString(),
    };
  });
  return {
    kind: 'incident',
    payload: {
      ...payload,
      dedupKey: group.groupKey,
      acknowledgedBy:
        status === 'acknowledged' ? (group.acknowledgedBy ?? payload.acknowledgedBy) : payload.acknowledgedBy,
      subjects: subjectPayloads,
    },
    openedAt: Math.min(...subjects.map((i) => i.openedAt)),
    resolvedAt: status === 'resolved' ? Math.max(...subjects.map((i) => i.resolvedAt ?? i.openedAt)) : null,
  };
}

/** Each subject of a group's notice as a notification of its own (Alertmanager keeps one alert per subject). */
export function subjectNotifications(
  n: Extract<Notification, { kind: 'incident' }>,
): Array<Extract<Notification, { kind: 'incident' }>> {
  const subjects = n.payload.subjects;
  if (subjects === null || subjects.length === 0) return [n];
  return subjects.map((s) => ({
    kind: 'incident',
    payload: { ...n.payload, ...s, resolvedBy: s.status === 'resolved' ? n.payload.resolvedBy : null, subjects: null },
    openedAt: Date.parse(s.openedAt),
    resolvedAt: s.resolvedAt === null ? null : Date.parse(s.resolvedAt),
  }));
}

/** `psi(age) = 0.31 > 0.2`: a subject as one short phrase. */
export function subjectText(
  p: Pick<
    IncidentPayload,
    'metric' | 'feature' | 'group' | 'value' | 'comparison' | 'threshold' | 'status' | 'resolution'
  >,
): string {
  const name = `${p.metric}${p.feature ? `(${p.feature})` : ''}${p.group ? `[${p.group}]` : ''}`;
  if (p.status === 'resolved' && p.resolution)
    return `${name} cleared at ${p.resolution.value === null ? 'no value' : formatNumber(p.resolution.value)} (clear threshold ${formatNumber(p.resolution.clearThreshold)})`;
  const value = p.value === null ? '' : ` = ${comparisonText(p.value, p.comparison, p.threshold)}`;
  return `${name}${value}`;
}

/**
 * `0.31 > 0.2` when the value is beyond the threshold, else `0.15, not > 0.2`: a comparison is printed only when it
 * is true. (Incidents carry their last breach, so the second form is for the odd case where the window that set the
 * value did not breach: a subject still firing when a model condition ends, a severity raised by an N-of-M rule.)
 */
export function comparisonText(value: number, comparison: string | null, threshold: number | null): string {
  if (comparison === null || threshold === null) return formatNumber(value);
  return `${formatNumber(value)}${breaches(value, comparison, threshold) ? ' ' : ', not '}${comparison} ${formatNumber(threshold)}`;
}

/** Whether `value comparison threshold` holds: what lets a text call the value a breach. */
export function breaches(value: number | null, comparison: string | null, threshold: number | null): boolean {
  return (
    value !== null &&
    comparison !== null &&
    threshold !== null &&
    isComparison(comparison) &&
    beyond(comparison, value, threshold)
  );
}

function isComparison(c: string): c is Comparison {
  return c === '>' || c === '>=' || c === '<' || c === '<=';
}

function payloadWindow(start: number | null, end: number | null, rows: number | null): PayloadWindow {
  return {
    start: start === null ? null : new Date(start).toISOString(),
    end: end === null ? null : new Date(end).toISOString(),
    rows,
  };
}

/** `2026-11-22 09:00 – 10:00`-like: a window's dates as people read them (UTC, minutes; the day once if shared). */
export function windowText(w: PayloadWindow): string {
  if (w.start === null || w.end === null) return 'window unknown';
  const start = w.start.slice(0, 16).replace('T', ' ');
  const end = w.end.slice(0, 10) === w.start.slice(0, 10) ? w.end.slice(11, 16) : w.end.slice(0, 16).replace('T', ' ');
  return `window ${start} – ${end} UTC`;
}

/**
 * What a resolve notice says after the subject: the clearing value against the clear threshold and its window,
 * then the last breach — so "resolved" never stands next to a value beyond its threshold without saying so.
 * Resolved by hand (no clearing window): who resolved it, and the last value.
 */
export function resolutionText(p: IncidentPayload): string {
  const last = p.lastBreach;
  const lastText =
    last && last.value !== null
      ? `${breaches(last.value, last.comparison, last.threshold) ? 'last breach' : 'last value'} ${comparisonText(last.value, last.comparison, last.threshold)} in ${windowText(last.window)}`
      : '';
  const r = p.resolution;
  if (r === null) return ` (resolved by ${p.resolvedBy ?? 'hand'}${lastText ? `; ${lastText}` : ''})`;
  const value = r.value === null ? 'no value' : formatNumber(r.value);
  return ` = ${value}, within the clear threshold ${formatNumber(r.clearThreshold)} in ${windowText(r.window)}${lastText ? ` (${lastText})` : ''}`;
}

/** One line for chat, e-mail subjects and PagerDuty summaries. */
export function summary(n: Notification): string {
  if (n.kind === 'review')
    return `[REVIEW] ${n.payload.model}: review ${n.payload.reviewId} opened by ${n.payload.openedBy}: ${n.payload.reason}`;
  const p = n.payload;
  const subjects = p.subjects ?? [];
  if (subjects.length > 1) {
    // A group: every subject, most severe first (receivers cut the line to their limits).
    const by = p.status === 'acknowledged' && p.acknowledgedBy ? ` by ${p.acknowledgedBy}` : '';
    return `[${p.status.toUpperCase()}${by}] [${p.severity}] ${p.groupKey ?? p.model}: ${subjects.length} subjects: ${subjects.map((s) => subjectText(s)).join('; ')}`;
  }
  const subject = `${p.model}${p.version ? `/${p.version}` : ''} ${p.metric}${p.feature ? `(${p.feature})` : ''}${p.group ? `[${p.group}]` : ''}`;
  if (p.status === 'resolved') return `[RESOLVED] [${p.severity}] ${subject}${resolutionText(p)}`;
  const value = p.value === null ? '' : ` = ${comparisonText(p.value, p.comparison, p.threshold)}`;
  const by = p.status === 'acknowledged' && p.acknowledgedBy ? ` by ${p.acknowledgedBy}` : '';
  return `[${p.status.toUpperCase()}${by}] [${p.severity}] ${subject}${value}${p.detail ? ` (${p.detail})` : ''}`;
}

/** Four significant digits, trailing zeros dropped (`0.0578`, `0.05`, `1234`): how notices print values. */
export function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(4).replace(/\.?0+$/, '');
}
