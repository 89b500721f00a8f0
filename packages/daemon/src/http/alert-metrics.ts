/**
 * The "alerts sent" numbers of GET /metrics (docs/streaming.md, "/metrics"): wire the returned function as `createAlerting`'s
 * `onDelivery`. Targets are label values (notifier names from the config, `owner:webhook`, `owner:email`), a small
 * closed set, never URLs.
 */
import type { PrometheusRegistry } from './prometheus-registry';

export function alertDeliveryMetrics(
  registry: PrometheusRegistry,
): (outcome: { kind: string; target: string; ok: boolean; final: boolean }) => void {
  const sent = registry.counter(
    'vigil_alerts_sent_total',
    'Notifications delivered, by kind (notify, acknowledge, resolve, review, control) and target.',
    ['kind', 'target'],
  );
  const failed = registry.counter(
    'vigil_alert_delivery_failures_total',
    'Delivery attempts that failed, by kind, target and whether the notification was given up (final).',
    ['kind', 'target', 'final'],
  );
  return ({ kind, target, ok, final }) => {
    if (ok) sent.inc({ kind, target });
    else failed.inc({ kind, target, final: String(final) });
  };
}
