/**
 * Issue 12. What resolved an incident, and notification groups.
 *
 * `vigil_incidents.resolution`: the window that cleared the incident, its value and the clear threshold it was
 * judged against, as `{ windowStart, windowEnd, rows, value, clearThreshold, comparison }` (epoch ms; null when the
 * incident was resolved by hand or by a model condition ending). The incident's own value, threshold and window
 * stay those of the last window that kept it firing, so a resolve notice can say both.
 *
 * `vigil_alert_groups`: one notification group per group key (the incident labels of `alerts.groupBy`) at a time,
 * which a partial unique index enforces like incidents'. A group owns the escalation of its subjects: its outbox
 * rows carry `group_id` (and no `incident_id`); incidents name their group in `notification_group`.
 */
export const MIGRATION_0011_ALERT_GROUPS = `
ALTER TABLE vigil_incidents ADD COLUMN resolution jsonb;
ALTER TABLE vigil_incidents ADD COLUMN notification_group text;
CREATE INDEX vigil_incidents_notification_group ON vigil_incidents (notification_group) WHERE notification_group IS NOT NULL;

CREATE TABLE vigil_alert_groups (
  id                 text        PRIMARY KEY,
  group_key          text        NOT NULL,
  model              text        NOT NULL,
  status             text        NOT NULL CHECK (status IN ('firing', 'acknowledged', 'resolved')),
  escalation_policy  text        NOT NULL,
  escalation_step    integer     NOT NULL DEFAULT -1,
  opened_at          timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  last_notified_at   timestamptz,
  acknowledged_at    timestamptz,
  acknowledged_by    text,
  resolved_at        timestamptz
);
CREATE UNIQUE INDEX vigil_alert_groups_open_key ON vigil_alert_groups (group_key) WHERE status <> 'resolved';

ALTER TABLE vigil_alert_outbox ADD COLUMN group_id text;
CREATE INDEX vigil_alert_outbox_group ON vigil_alert_outbox (group_id, kind) WHERE group_id IS NOT NULL;
`;
