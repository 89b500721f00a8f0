/**
 * Human review of flagged predictions (docs/review.md). `vigil_review_queue` holds one row per flagged prediction,
 * keyed by the prediction (model, event id) so a batch delivered again can never flag it twice: the row is written
 * in the transaction of the batch that flagged it. It keeps the prediction's whole context as it was then (features,
 * score, groups, why it was flagged, the model's drift, calibration and open incidents), so a reviewer judges what
 * the model saw. Status: `pending → claimed → decided`, `pending | claimed → expired` after the TTL, and
 * `not_queued` for flagged predictions beyond the hour's capacity (counted, never dropped silently).
 *
 * `vigil_review_capacity` counts per model and clock hour what was queued and what was not: the row is locked while
 * a batch spends the hour's capacity, so two daemons never queue more than it together.
 */
export const MIGRATION_0014_REVIEW_QUEUE = `
CREATE TABLE vigil_review_queue (
  id                bigserial        PRIMARY KEY,
  model             text             NOT NULL,
  prediction_id     text             NOT NULL,
  version           text             NOT NULL,
  event_ts          timestamptz      NOT NULL,
  score             double precision,
  prediction        double precision,
  features          jsonb            NOT NULL,
  groups            jsonb            NOT NULL,
  reasons           jsonb            NOT NULL,
  policies          text[]           NOT NULL,
  priority          double precision NOT NULL,
  context           jsonb            NOT NULL,
  status            text             NOT NULL CHECK (status IN ('pending', 'claimed', 'decided', 'expired', 'not_queued')),
  flagged_at        timestamptz      NOT NULL,
  expires_at        timestamptz      NOT NULL,
  claimed_by        text,
  claimed_at        timestamptz,
  claim_expires_at  timestamptz,
  decided_by        text,
  decided_at        timestamptz,
  verdict           text             CHECK (verdict IN ('agree', 'override')),
  label             double precision,
  verdict_reason    text,
  UNIQUE (model, prediction_id),
  CHECK ((status = 'decided') = (verdict IS NOT NULL AND decided_by IS NOT NULL AND decided_at IS NOT NULL)),
  CHECK (status <> 'claimed' OR (claimed_by IS NOT NULL AND claim_expires_at IS NOT NULL))
);
CREATE INDEX vigil_review_queue_open ON vigil_review_queue (model, priority DESC, id) WHERE status IN ('pending', 'claimed');
CREATE INDEX vigil_review_queue_flagged ON vigil_review_queue (model, flagged_at);
CREATE INDEX vigil_review_queue_decided ON vigil_review_queue (decided_by, decided_at) WHERE status = 'decided';

CREATE TABLE vigil_review_capacity (
  model       text        NOT NULL,
  hour_start  timestamptz NOT NULL,
  queued      integer     NOT NULL DEFAULT 0,
  not_queued  integer     NOT NULL DEFAULT 0,
  PRIMARY KEY (model, hour_start)
);
`;
