/**
 * The HTTP notifiers: the generic webhook (the payload of docs/alerts.md, "Notifiers", as it is), Slack-compatible incoming webhooks
 * (Block Kit, data escaped), PagerDuty Events v2 (alert events keyed by the subject, so PagerDuty merges repeats
 * into one incident and a resolve event closes it; reviews as change events), and Prometheus Alertmanager's
 * /api/v2/alerts (the incident's true start, a short `endsAt` renewed by re-sending: alertmanager-resend.ts).
 */
import { postJson, type Notifier } from './notifier';
import { subjectNotifications, subjectText, summary, type IncidentPayload, type Notification } from './payload';
import { escapeSlack, pagerdutyDedupKey, slackText, truncateText } from './receiver-text';

export function webhookNotifier(target: string, url: string, timeoutMs: number): Notifier {
  return { type: 'webhook', send: (n, signal) => postJson(target, url, n.payload, signal, timeoutMs) };
}

/** Block Kit limits Vigil's messages stay within (docs.slack.dev/reference/block-kit/...). */
export const SLACK_LIMITS = { sectionText: 3000 } as const;

/** A link Vigil builds itself: the only `<…>` control sequence in its messages. */
function slackLink(url: string, label: string): string {
  return `<${escapeSlack(url).replace(/\|/g, '%7C')}|${escapeSlack(label)}>`;
}

/**
 * The Slack message of a notification: `text` (the fallback shown in notifications) and one mrkdwn section with
 * the same line, plus a context block with the links when there is more than one. Every data-controlled string
 * (model ids, feature names, reasons, actors) is escaped; `verbatim` stops Slack from linking channel names or
 * URLs found in the data.
 */
export function slackMessage(n: Notification): { text: string; blocks: Array<Record<string, unknown>> } {
  const links: Array<[string | null, string]> =
    n.kind === 'review'
      ? [[n.payload.links.review, 'details']]
      : [
          [n.payload.links.incident, 'details'],
          [n.payload.links.dashboard, 'dashboard'],
        ];
  const present = links.filter((l): l is [string, string] => l[0] !== null);
  const head = `${emoji(n)} `;
  const link = present[0] ? ` ${slackLink(present[0][0], present[0][1])}` : '';
  // A group's notice lists its subjects one per line under the headline (all of it escaped, cut to the limit).
  const subjects = n.kind === 'incident' && (n.payload.subjects?.length ?? 0) > 1 ? n.payload.subjects! : [];
  const body =
    subjects.length > 0
      ? [
          summary(n).replace(/: \d+ subjects: .*$/s, `: ${subjects.length} subjects`),
          ...subjects.map((s) => `• ${subjectText(s)}`),
        ].join('\n')
      : summary(n);
  const text = `${head}${slackText(body, SLACK_LIMITS.sectionText - head.length - link.length)}${link}`;
  const blocks: Array<Record<string, unknown>> = [{ type: 'section', text: { type: 'mrkdwn', text, verbatim: true } }];
  if (present.length > 1) {
    blocks.push({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: present.map(([url, label]) => slackLink(url, label)).join(' · '), verbatim: true },
      ],
    });
  }
  return { text, blocks };
}

export function slackNotifier(target: string, url: string, timeoutMs: number): Notifier {
  return {
    type: 'slack',
    send: (n, signal) => postJson(target, url, slackMessage(n), signal, timeoutMs),
  };
}

function emoji(n: Notification): string {
  if (n.kind === 'review') return ':mag:';
  if (n.payload.status === 'resolved') return ':white_check_mark:';
  if (n.payload.status === 'acknowledged') return ':eyes:';
  return n.payload.severity === 'critical' ? ':rotating_light:' : ':warning:';
}

/** PagerDuty's limit on `payload.summary` (Events API v2, "Send an Alert Event"). */
export const PAGERDUTY_SUMMARY_MAX = 1024;

/** The change-events endpoint beside an alert-events URL: `…/v2/enqueue` → `…/v2/change/enqueue`. */
export function pagerdutyChangeUrl(eventsUrl: string): string {
  const u = new URL(eventsUrl);
  u.pathname = `${u.pathname.replace(/\/enqueue\/?$/, '').replace(/\/+$/, '')}/change/enqueue`;
  return u.toString();
}

/**
 * The Events API v2 request of a notification. Incidents are alert events: `trigger` (firing, repeats, severity
 * raises), `acknowledge` and `resolve`, all with the same `dedup_key`. A review is a change event: it informs the
 * service's responders and pages nobody, since nothing would ever resolve it.
 */
export function pagerdutyEvent(
  n: Notification,
  routingKey: string,
): { endpoint: 'alert' | 'change'; body: Record<string, unknown> } {
  const p = n.payload;
  const source = `${p.model}${p.version ? `/${p.version}` : ''}`;
  const linkList =
    n.kind === 'review'
      ? [[n.payload.links.review, 'Review in Vigil']]
      : [
          [n.payload.links.incident, 'Incident in Vigil'],
          [n.payload.links.dashboard, 'Grafana dashboard'],
        ];
  const links = linkList
    .filter((l): l is [string, string] => typeof l[0] === 'string')
    .map(([href, text]) => ({ href, text }));
  const text = truncateText(summary(n), PAGERDUTY_SUMMARY_MAX);
  if (n.kind === 'review') {
    const body = {
      routing_key: routingKey,
      payload: { summary: text, timestamp: n.payload.openedAt, source, custom_details: p },
      ...(links.length ? { links } : {}),
    };
    return { endpoint: 'change', body };
  }
  const dedupKey = pagerdutyDedupKey(n.payload.dedupKey);
  const status = n.payload.status;
  if (status === 'acknowledged')
    return { endpoint: 'alert', body: { routing_key: routingKey, event_action: 'acknowledge', dedup_key: dedupKey } };
  // A group of several subjects has no single component.
  const component = (n.payload.subjects?.length ?? 0) > 1 ? null : (n.payload.feature ?? n.payload.group);
  if (status === 'resolved') {
    // The resolve carries what cleared it (and the last breach) in custom_details, shown on the alert's timeline.
    const payload = {
      summary: text,
      timestamp: new Date(n.resolvedAt ?? Date.now()).toISOString(),
      source,
      severity: n.payload.severity,
      ...(component ? { component } : {}),
      group: n.payload.metric,
      class: 'model-monitoring',
      custom_details: p,
    };
    return {
      endpoint: 'alert',
      body: { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey, payload, client: 'Vigil' },
    };
  }
  const body = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: text,
      timestamp: new Date(n.openedAt).toISOString(),
      source,
      severity: n.payload.severity,
      ...(component ? { component } : {}),
      group: n.payload.metric,
      class: 'model-monitoring',
      custom_details: p,
    },
    client: 'Vigil',
    ...(links.length ? { links } : {}),
  };
  return { endpoint: 'alert', body };
}

/** PagerDuty's error answer `{ status, message, errors[] }` as one line (it says what was wrong with the event). */
export function pagerdutyRefusal(text: string): string | undefined {
  try {
    const e = JSON.parse(text) as { status?: unknown; message?: unknown; errors?: unknown };
    const parts = [e.message ?? e.status, ...(Array.isArray(e.errors) ? e.errors : [])].filter(
      (x): x is string => typeof x === 'string' && x !== '',
    );
    return parts.length ? parts.join('; ') : undefined;
  } catch {
    return undefined;
  }
}

export function pagerdutyNotifier(target: string, url: string, routingKey: string, timeoutMs: number): Notifier {
  const changeUrl = pagerdutyChangeUrl(url);
  return {
    type: 'pagerduty',
    send(n, signal) {
      const { endpoint, body } = pagerdutyEvent(n, routingKey);
      // 400 is permanent (PagerDuty: "Bad Request — do not retry"): the row fails with PagerDuty's own reason.
      return postJson(target, endpoint === 'change' ? changeUrl : url, body, signal, timeoutMs, {
        describe: pagerdutyRefusal,
      });
    },
  };
}

/** Alertmanager's postable alert (API v2 `PostableAlert`). */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

/**
 * The alert of a notification. `startsAt` is the incident's opening (the review's) on every post, so Alertmanager
 * shows the true start even for an alert it learns again after a restart. A firing alert holds until `now +
 * holdMs` (a few re-send intervals): the re-sender renews it while the incident is open, and an Alertmanager whose
 * Vigil died ends it soon after. A resolve ends it at the resolve time.
 */
export function alertmanagerAlert(n: Notification, at: { now: number; holdMs: number }): AlertmanagerAlert {
  const p = n.payload;
  const labels: Record<string, string> = {
    alertname: n.kind === 'review' ? 'VigilReview' : 'VigilIncident',
    model: p.model,
    dedupKey: p.dedupKey,
  };
  if (p.version) labels.version = p.version;
  if (n.kind === 'incident') {
    labels.metric = n.payload.metric;
    labels.severity = n.payload.severity;
    if (n.payload.feature) labels.feature = n.payload.feature;
    if (n.payload.group) labels.group = n.payload.group;
    // The notification group (Alertmanager can group_by it); the alert itself stays one per subject.
    if (n.payload.groupKey) labels.notificationGroup = n.payload.groupKey;
  }
  const ended = n.kind === 'incident' && n.payload.status === 'resolved';
  const startsAt = n.kind === 'incident' ? n.openedAt : Date.parse(n.payload.openedAt);
  const endsAt = ended ? (n.resolvedAt ?? at.now) : at.now + at.holdMs;
  const link = n.kind === 'incident' ? n.payload.links.incident : n.payload.links.review;
  return {
    labels,
    annotations: {
      summary: summary(n),
      ...(n.kind === 'incident'
        ? {
            incidentId: n.payload.incidentId,
            value: String(n.payload.value),
            threshold: String(n.payload.threshold),
            ...resolutionAnnotations(n.payload),
          }
        : { reviewId: n.payload.reviewId }),
    },
    startsAt: new Date(startsAt).toISOString(),
    // An alert never ends before it starts (a clock step back between opening and resolving).
    endsAt: new Date(Math.max(endsAt, startsAt)).toISOString(),
    ...(link ? { generatorURL: link } : {}),
  };
}

/**
 * A resolved alert's annotations say what cleared it: `resolvedValue`, `clearThreshold`, `resolvedWindow` (ISO
 * start/end), and the last breach as `lastBreachValue`, `lastBreachWindow` (`value`/`threshold` stay the last
 * breach's, as before).
 */
function resolutionAnnotations(p: IncidentPayload): Record<string, string> {
  const out: Record<string, string> = {};
  if (p.resolution) {
    out.resolvedValue = String(p.resolution.value);
    out.clearThreshold = String(p.resolution.clearThreshold);
    out.resolvedWindow = `${p.resolution.window.start ?? ''}/${p.resolution.window.end ?? ''}`;
  }
  if (p.lastBreach) {
    out.lastBreachValue = String(p.lastBreach.value);
    out.lastBreachWindow = `${p.lastBreach.window.start ?? ''}/${p.lastBreach.window.end ?? ''}`;
  }
  if (p.resolvedBy) out.resolvedBy = p.resolvedBy;
  return out;
}

/** Alertmanager keeps a firing alert this many re-send intervals after the last post. */
export const ALERTMANAGER_HOLD_INTERVALS = 4;
/** The default re-send interval (notifiers.<name>.resend); Alertmanager's client guide asks for 30 s to 3 min. */
export const ALERTMANAGER_RESEND_MS = 60_000;

export function alertmanagerUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/v2/alerts`;
}

export function alertmanagerNotifier(
  target: string,
  baseUrl: string,
  timeoutMs: number,
  now: () => number,
  resendMs = ALERTMANAGER_RESEND_MS,
): Notifier {
  const url = alertmanagerUrl(baseUrl);
  return {
    type: 'alertmanager',
    // One alert per subject: a group's notice posts every subject it lists.
    send: (n, signal) =>
      postJson(
        target,
        url,
        (n.kind === 'incident' ? subjectNotifications(n) : [n]).map((one) =>
          alertmanagerAlert(one, { now: now(), holdMs: ALERTMANAGER_HOLD_INTERVALS * resendMs }),
        ),
        signal,
        timeoutMs,
      ),
  };
}
