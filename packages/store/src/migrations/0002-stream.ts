/**
 * The streaming daemon (issue 3): what the late-label join needs of a prediction, labels waiting for their
 * prediction, window bookkeeping for (re-)analysis, and per-model watermarks. Same conventions as 0001.
 */
export const MIGRATION_0002_STREAM = `
-- A late label updates the label-dependent counts of its prediction's bucket, so the index keeps what those
-- counts are made of: score, predicted class, and the raw group attribute values. label/labelled_at are set once.
ALTER TABLE vigil_prediction_index
  ADD COLUMN score        double precision,
  ADD COLUMN prediction   double precision,
  ADD COLUMN groups       jsonb NOT NULL DEFAULT '{}'::jsonb,
  ADD COLUMN label        double precision,
  ADD COLUMN labelled_at  timestamptz;

-- Labels whose prediction is not (yet) known; joined when it arrives, counted as orphaned when they expire.
CREATE TABLE vigil_orphan_labels (
  model        text             NOT NULL,
  id           text             NOT NULL,
  label        double precision NOT NULL,
  ts           timestamptz      NOT NULL,
  received_at  timestamptz      NOT NULL DEFAULT now(),
  expires_at   timestamptz      NOT NULL,
  PRIMARY KEY (model, id)
);
CREATE INDEX vigil_orphan_labels_expiry ON vigil_orphan_labels (expires_at);

ALTER TABLE vigil_models ADD COLUMN orphaned_labels bigint NOT NULL DEFAULT 0;

-- One row per window that holds data. Every change to one of its buckets increments change_seq in the same
-- transaction; an analysis records the change_seq it saw as analysed_seq. A window is due when it is closed
-- (window_end at or before the model's watermark) and change_seq > analysed_seq: counters, not clocks, so a
-- change committed while an analysis runs is never mistaken for analysed.
CREATE TABLE vigil_windows (
  model          text        NOT NULL,
  version        text        NOT NULL,
  window_start   timestamptz NOT NULL,
  window_end     timestamptz NOT NULL,
  rows           bigint      NOT NULL DEFAULT 0,
  labelled_rows  bigint      NOT NULL DEFAULT 0,
  change_seq     bigint      NOT NULL DEFAULT 1,
  analysed_seq   bigint      NOT NULL DEFAULT 0,
  analyses       integer     NOT NULL DEFAULT 0,
  changed_at     timestamptz NOT NULL DEFAULT now(),
  analysed_at    timestamptz,
  PRIMARY KEY (model, version, window_start, window_end)
);
CREATE INDEX vigil_windows_due ON vigil_windows (model, window_end) WHERE change_seq > analysed_seq;

-- The largest event time seen per model; the watermark is this minus the model's allowed lateness.
CREATE TABLE vigil_watermarks (
  model         text        PRIMARY KEY,
  max_event_ts  timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
`;
