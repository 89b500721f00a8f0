/**
 * The first schema. Migrations are append-only: once released, this text never changes (its checksum is
 * recorded); a change is a new numbered file.
 *
 * Keys use '' rather than NULL for "none" (no model version, no feature, no group) so that plain primary keys
 * serve as the ON CONFLICT targets of the upserts on both PostgreSQL and PGlite, and Grafana filters with `=`.
 * Times are timestamptz; the API speaks epoch milliseconds.
 */
export const MIGRATION_0001_INIT = `
CREATE TABLE vigil_models (
  model       text        PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE vigil_model_versions (
  model          text        NOT NULL,
  version        text        NOT NULL,
  first_seen_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, version)
);

-- Every profile ever fitted is kept (a reference can be re-fitted); readers take the newest.
CREATE TABLE vigil_reference_profiles (
  id          bigserial   PRIMARY KEY,
  model       text        NOT NULL,
  version     text        NOT NULL,
  profile     jsonb       NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vigil_reference_profiles_latest ON vigil_reference_profiles (model, version, created_at DESC, id DESC);

-- Additive per-bucket accumulators; a window is the sum of its buckets. The primary key serves the
-- time-range scans of one model version.
CREATE TABLE vigil_buckets (
  model         text        NOT NULL,
  version       text        NOT NULL,
  bucket_start  timestamptz NOT NULL,
  accumulator   jsonb       NOT NULL,
  rows          bigint      NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, version, bucket_start)
);
-- "Which buckets changed since the last analysis" (late labels re-open windows).
CREATE INDEX vigil_buckets_updated ON vigil_buckets (model, updated_at);

-- Where a prediction was counted, so a late label lands in the bucket of the prediction's event time.
CREATE TABLE vigil_prediction_index (
  model         text        NOT NULL,
  id            text        NOT NULL,
  version       text        NOT NULL,
  ts            timestamptz NOT NULL,
  bucket_start  timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  PRIMARY KEY (model, id)
);
CREATE INDEX vigil_prediction_index_expiry ON vigil_prediction_index (expires_at);

-- The next Kafka offset to consume per partition, written in the same transaction as the effects of the
-- messages before it: this row is what makes a batch count exactly once.
CREATE TABLE vigil_consumer_offsets (
  group_id     text        NOT NULL,
  topic        text        NOT NULL,
  partition    integer     NOT NULL,
  next_offset  bigint      NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, topic, partition)
);

-- One value per (window, metric, feature, group); an analysis of the same window again revises the row.
CREATE TABLE vigil_metric_rows (
  model          text             NOT NULL,
  version        text             NOT NULL,
  window_start   timestamptz      NOT NULL,
  window_end     timestamptz      NOT NULL,
  metric         text             NOT NULL,
  feature        text             NOT NULL DEFAULT '',
  group_key      text             NOT NULL DEFAULT '',
  value          double precision,
  rows           bigint           NOT NULL,
  labelled_rows  bigint           NOT NULL,
  details        jsonb,
  computed_at    timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (model, version, window_start, window_end, metric, feature, group_key)
);
-- Grafana panels: one metric of one model over a time range, across versions.
CREATE INDEX vigil_metric_rows_panel ON vigil_metric_rows (model, metric, window_start);

CREATE TABLE vigil_dead_letters (
  id           bigserial   PRIMARY KEY,
  topic        text        NOT NULL,
  partition    integer     NOT NULL,
  "offset"     bigint      NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  code         text        NOT NULL,
  reason       text        NOT NULL,
  raw          bytea       NOT NULL,
  raw_bytes    integer     NOT NULL,
  replayed_at  timestamptz
);
CREATE INDEX vigil_dead_letters_received ON vigil_dead_letters (received_at);
CREATE INDEX vigil_dead_letters_pending ON vigil_dead_letters (id) WHERE replayed_at IS NULL;
`;
