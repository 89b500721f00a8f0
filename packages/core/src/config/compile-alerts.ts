import type { ConfigReader } from './config-reader';
import type { AlertGroupingConfig, AlertGroupLabel } from './vigil-config';

/** The labels a notification group may be keyed by (docs/alerts.md, "Notification groups"). */
export const ALERT_GROUP_LABELS: readonly AlertGroupLabel[] = ['model', 'version', 'metric', 'feature', 'group'];

/**
 * Alertmanager's defaults where Vigil has no reason to differ: a group per model version, a subject joining a
 * group that was notified waits `groupInterval` (5m). `groupWait` is 0: a window's subjects are judged in one
 * transaction, so those breaching together already reach the first notice together.
 */
export const DEFAULT_ALERT_GROUPING: AlertGroupingConfig = {
  groupBy: ['model', 'version'],
  groupWaitMs: 0,
  groupIntervalMs: 5 * 60_000,
};

/** `alerts:` — how incidents are grouped into notifications. */
export function compileAlerts(value: unknown, r: ConfigReader): AlertGroupingConfig {
  const a = r.object(value, 'alerts', ['groupBy', 'groupWait', 'groupInterval', 'repeatInterval']);
  if (!a) return DEFAULT_ALERT_GROUPING;
  let groupBy: AlertGroupLabel[] = [...DEFAULT_ALERT_GROUPING.groupBy];
  const listed = r.strings(a.groupBy, 'alerts.groupBy', { nonEmpty: true });
  if (listed !== undefined) {
    const labels: AlertGroupLabel[] = [];
    listed.forEach((label, i) => {
      const known = r.oneOf(label, `alerts.groupBy[${i}]`, ALERT_GROUP_LABELS);
      if (known !== undefined) labels.push(known);
    });
    // Escalation policies and owners are the model's: a group never spans models.
    if (labels.length === listed.length && !labels.includes('model'))
      r.problems.add(
        'alerts.groupBy',
        "must include model (a group is notified by its model's escalation policy and owner)",
      );
    groupBy = ALERT_GROUP_LABELS.filter((l) => labels.includes(l));
  }
  const groupWaitMs = r.duration(a.groupWait, 'alerts.groupWait') ?? DEFAULT_ALERT_GROUPING.groupWaitMs;
  if (groupWaitMs < 0) r.problems.add('alerts.groupWait', 'must not be negative');
  const groupIntervalMs =
    r.duration(a.groupInterval, 'alerts.groupInterval', { positive: true }) ?? DEFAULT_ALERT_GROUPING.groupIntervalMs;
  const repeatIntervalMs = r.duration(a.repeatInterval, 'alerts.repeatInterval', { positive: true });
  return { groupBy, groupWaitMs, groupIntervalMs, ...(repeatIntervalMs === undefined ? {} : { repeatIntervalMs }) };
}
