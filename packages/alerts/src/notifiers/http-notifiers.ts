/**
 * The HTTP notifiers: the generic webhook (the payload of docs/alerts.md, "Notifiers", as it is), Slack-compatible incoming webhooks,
 * PagerDuty Events v2 (dedup_key = the payload's dedupKey, so PagerDuty merges repeats into one incident and a
 * resolve event closes it), and Prometheus Alertmanager's /api/v2/alerts.
 */
import { postJson, type Notifier } from './notifier';
import { summary, type Notification } from './payload';

export function webhookNotifier(target: string, url: string, timeoutMs: number): Notifier {
  return { type: 'webhook', send: (n, signal) => postJson(target, url, n.payload, signal, timeoutMs) };
}

export function slackNotifier(target: string, url: string, timeoutMs: number): Notifier {
  return {
    type: 'slack',
    send(n, signal) {
      const link = n.kind === 'review' ? n.payload.links.review : n.payload.links.incident;
      const text = `${emoji(n)} ${summary(n)}${link ? ` <${link}|details>` : ''}`;
      return postJson(target, url, { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] }, signal, timeoutMs);
    },
  };
}

function emoji(n: Notification): string {
  if (n.kind === 'review') return ':mag:';
  if (n.payload.status === 'resolved') return ':white_check_mark:';
  if (n.payload.status === 'acknowledged') return ':eyes:';
  return n.payload.severity === 'critical' ? ':rotating_light:' : ':warning:';
}

export function pagerdutyNotifier(target: string, url: string, routingKey: string, timeoutMs: number): Notifier {
  return {
    type: 'pagerduty',
    send(n, signal) {
      const p = n.payload;
      const resolved = n.kind === 'incident' && n.payload.status === 'resolved';
      const acknowledged = n.kind === 'incident' && n.payload.status === 'acknowledged';
      const body = {
        routing_key: routingKey,
        event_action: resolved ? 'resolve' : acknowledged ? 'acknowledge' : 'trigger',
        dedup_key: p.dedupKey,
        payload: {
          summary: summary(n).slice(0, 1024),
          source: 'vigil',
          severity: n.kind === 'review' ? 'info' : n.payload.severity,
          component: p.model,
          group: n.kind === 'incident' ? n.payload.metric : 'review',
          class: n.kind === 'incident' ? 'model-monitoring' : 'model-review',
          custom_details: p,
        },
        client: 'Vigil',
      };
      return postJson(target, url, body, signal, timeoutMs);
    },
  };
}

/** How long Alertmanager keeps a firing alert that is not re-sent. */
export const ALERTMANAGER_HOLD_MS = 24 * 3_600_000;

export function alertmanagerNotifier(target: string, baseUrl: string, timeoutMs: number, now: () => number): Notifier {
  const url = `${baseUrl.replace(/\/+$/, '')}/api/v2/alerts`;
  return {
    type: 'alertmanager',
    send(n, signal) {
      const p = n.payload;
      const labels: Record<string, string> = { alertname: n.kind === 'review' ? 'VigilReview' : 'VigilIncident', model: p.model, dedupKey: p.dedupKey };
      if (p.version) labels.version = p.version;
      if (n.kind === 'incident') {
        labels.metric = n.payload.metric;
        labels.severity = n.payload.severity;
        if (n.payload.feature) labels.feature = n.payload.feature;
        if (n.payload.group) labels.group = n.payload.group;
      }
      const ended = n.kind === 'incident' && n.payload.status === 'resolved';
      const alert = {
        labels,
        annotations: {
          summary: summary(n),
          ...(n.kind === 'incident' ? { incidentId: n.payload.incidentId, value: String(n.payload.value), threshold: String(n.payload.threshold) } : { reviewId: n.payload.reviewId }),
        },
        // Alertmanager ends an alert that is not re-sent within its resolve_timeout (5m by default), and Vigil sends
        // per escalation step, not every minute: a firing alert says how long it holds (until a resolve notice
        // ends it now, or a day passes without one — a Vigil that died does not page forever).
        endsAt: new Date(ended ? now() : now() + ALERTMANAGER_HOLD_MS).toISOString(),
        ...((n.kind === 'incident' ? n.payload.links.incident : n.payload.links.review) ? { generatorURL: (n.kind === 'incident' ? n.payload.links.incident : n.payload.links.review) as string } : {}),
      };
      return postJson(target, url, [alert], signal, timeoutMs);
    },
  };
}
