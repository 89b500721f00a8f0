/**
 * Alerts (issue 4): rule evaluations per window (for N-of-M), rule states, incidents, the notification outbox,
 * the append-only audit log, silences, reviews with their frozen evidence, and paused models. Same conventions as
 * 0001: '' rather than NULL for "no feature / no group", timestamptz columns, the API speaks epoch milliseconds.
 *
 * Postgres is the source of truth for alerting (docs/decisions/0006): Redis only holds jobs that the outbox relay
 * can re-create from `vigil_alert_outbox` at any time.
 */
export const MIGRATION_0003_ALERTS = `
-- One outcome per rule key and window; a re-analysis of a window revises its row, so N-of-M never counts a
-- window twice. outcome: breach (beyond the threshold), elevated (beyond the clear threshold only), ok,
-- insufficient_data (too few samples, a null value, or a group marked insufficient).
CREATE TABLE vigil_rule_windows (
  model         text             NOT NULL,
  version       text             NOT NULL,
  metric        text             NOT NULL,
  feature       text             NOT NULL DEFAULT '',
  group_key     text             NOT NULL DEFAULT '',
  severity      text             NOT NULL,
  window_start  timestamptz      NOT NULL,
  window_end    timestamptz      NOT NULL,
  outcome       text             NOT NULL CHECK (outcome IN ('breach', 'elevated', 'ok', 'insufficient_data')),
  value         double precision,
  samples       bigint           NOT NULL,
  evaluated_at  timestamptz      NOT NULL,
  PRIMARY KEY (model, version, metric, feature, group_key, severity, window_start, window_end)
);

-- The current state of each rule key (severity included): what Grafana shows as ok / firing / insufficient_data.
CREATE TABLE vigil_rule_states (
  model         text        NOT NULL,
  version       text        NOT NULL,
  metric        text        NOT NULL,
  feature       text        NOT NULL DEFAULT '',
  group_key     text        NOT NULL DEFAULT '',
  severity      text        NOT NULL,
  firing        boolean     NOT NULL,
  state         text        NOT NULL CHECK (state IN ('ok', 'firing', 'insufficient_data')),
  value         double precision,
  window_start  timestamptz NOT NULL,
  window_end    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  PRIMARY KEY (model, version, metric, feature, group_key, severity)
);

-- Incidents, keyed by (model, version, metric, feature, group): at most one that is not resolved per key.
-- kind: rule (a metric breached a rule) or condition (a model-level condition: no_traffic, no_reference_profile).
-- The Grafana dashboards read these columns by name: add columns, never rename them.
CREATE TABLE vigil_incidents (
  id                 text             PRIMARY KEY,
  model              text             NOT NULL,
  version            text             NOT NULL,
  metric             text             NOT NULL,
  feature            text             NOT NULL DEFAULT '',
  group_key          text             NOT NULL DEFAULT '',
  kind               text             NOT NULL DEFAULT 'rule' CHECK (kind IN ('rule', 'condition')),
  severity           text             NOT NULL CHECK (severity IN ('warning', 'critical')),
  status             text             NOT NULL CHECK (status IN ('firing', 'acknowledged', 'resolved', 'silenced')),
  value              double precision,
  threshold          double precision,
  comparison         text,
  window_start       timestamptz,
  window_end         timestamptz,
  window_rows        bigint,
  opened_at          timestamptz      NOT NULL,
  updated_at         timestamptz      NOT NULL,
  acknowledged_at    timestamptz,
  acknowledged_by    text,
  resolved_at        timestamptz,
  resolved_by        text,
  silenced_until     timestamptz,
  escalation_policy  text             NOT NULL,
  escalation_step    integer          NOT NULL DEFAULT -1,
  last_notified_at   timestamptz,
  delivery_failures  jsonb            NOT NULL DEFAULT '[]'::jsonb,
  detail             text
);
CREATE UNIQUE INDEX vigil_incidents_open_key ON vigil_incidents (model, version, metric, feature, group_key) WHERE status <> 'resolved';
CREATE INDEX vigil_incidents_opened ON vigil_incidents (opened_at);
CREATE INDEX vigil_incidents_model_status ON vigil_incidents (model, status);

-- Notifications to send, written in the transaction of the state change that causes them. The relay turns due
-- rows into queue jobs whose id is job_id (deterministic, so enqueueing twice is harmless); a worker settles a
-- row as delivered, failed or cancelled. kind: notify | acknowledge | resolve | review | control.
CREATE TABLE vigil_alert_outbox (
  id           bigserial   PRIMARY KEY,
  job_id       text        NOT NULL UNIQUE,
  kind         text        NOT NULL CHECK (kind IN ('notify', 'acknowledge', 'resolve', 'review', 'control')),
  incident_id  text,
  review_id    text,
  model        text        NOT NULL,
  step         integer     NOT NULL DEFAULT 0,
  round        integer     NOT NULL DEFAULT 0,
  target       text        NOT NULL,
  payload      jsonb,
  deliver_at   timestamptz NOT NULL,
  state        text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
  attempts     integer     NOT NULL DEFAULT 0,
  last_error   text,
  enqueued_at  timestamptz,
  created_at   timestamptz NOT NULL,
  settled_at   timestamptz
);
CREATE INDEX vigil_alert_outbox_pending ON vigil_alert_outbox (deliver_at) WHERE state = 'pending';
CREATE INDEX vigil_alert_outbox_incident ON vigil_alert_outbox (incident_id, kind, step, round);

-- Who did what, when and why. Append-only: a trigger refuses UPDATE and DELETE.
CREATE TABLE vigil_audit_log (
  id           bigserial   PRIMARY KEY,
  at           timestamptz NOT NULL,
  actor        text        NOT NULL,
  action       text        NOT NULL,
  reason       text,
  model        text,
  incident_id  text,
  details      jsonb
);
CREATE INDEX vigil_audit_log_incident ON vigil_audit_log (incident_id, id);
CREATE INDEX vigil_audit_log_model ON vigil_audit_log (model, id);
CREATE FUNCTION vigil_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'vigil_audit_log is append-only (% refused)', TG_OP;
END;
$$;
CREATE TRIGGER vigil_audit_log_append_only BEFORE UPDATE OR DELETE ON vigil_audit_log
  FOR EACH ROW EXECUTE FUNCTION vigil_audit_log_append_only();

-- Silences: '' in version/metric/feature/group_key matches anything. Always expire.
CREATE TABLE vigil_silences (
  id          text        PRIMARY KEY,
  model       text        NOT NULL,
  version     text        NOT NULL DEFAULT '',
  metric      text        NOT NULL DEFAULT '',
  feature     text        NOT NULL DEFAULT '',
  group_key   text        NOT NULL DEFAULT '',
  starts_at   timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  reason      text        NOT NULL,
  created_by  text        NOT NULL,
  created_at  timestamptz NOT NULL,
  CHECK (expires_at > starts_at)
);
CREATE INDEX vigil_silences_model ON vigil_silences (model, expires_at);

-- Reviews freeze their evidence (metric rows, windows, reference profiles, incident history) when opened.
CREATE TABLE vigil_reviews (
  id         text        PRIMARY KEY,
  model      text        NOT NULL,
  version    text        NOT NULL DEFAULT '',
  reason     text        NOT NULL,
  opened_by  text        NOT NULL,
  opened_at  timestamptz NOT NULL,
  status     text        NOT NULL DEFAULT 'open',
  evidence   jsonb       NOT NULL
);
CREATE INDEX vigil_reviews_model ON vigil_reviews (model, opened_at);

-- The governed kill switch: the last pause/resume of each model.
CREATE TABLE vigil_model_controls (
  model       text        PRIMARY KEY,
  paused      boolean     NOT NULL,
  reason      text        NOT NULL,
  changed_by  text        NOT NULL,
  changed_at  timestamptz NOT NULL
);
`;
