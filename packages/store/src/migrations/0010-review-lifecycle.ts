/**
 * Reviews that close, and retention. A review is `open` until it is closed with an outcome and a reason; its
 * findings are appended while it is open. A closed review is immutable: triggers refuse changing or deleting it
 * and adding findings to it, whatever the query (the lifecycle checks first and answers 409; these are the floor);
 * an open review may only be closed, never have its evidence or opening rewritten.
 * Dead letters record when retention erased their raw bytes; the prediction index gets an index on event time
 * for the retention delete.
 */
export const MIGRATION_0010_REVIEW_LIFECYCLE = `
ALTER TABLE vigil_reviews
  ADD COLUMN closed_at     timestamptz,
  ADD COLUMN closed_by     text,
  ADD COLUMN outcome       text,
  ADD COLUMN close_reason  text;
ALTER TABLE vigil_reviews ADD CONSTRAINT vigil_reviews_status CHECK (status IN ('open', 'closed'));
ALTER TABLE vigil_reviews ADD CONSTRAINT vigil_reviews_outcome CHECK (outcome IS NULL OR outcome IN ('no_action', 'retrain', 'rollback', 'retire', 'other'));
ALTER TABLE vigil_reviews ADD CONSTRAINT vigil_reviews_closed CHECK (
  (status = 'open' AND closed_at IS NULL AND closed_by IS NULL AND outcome IS NULL AND close_reason IS NULL)
  OR (status = 'closed' AND closed_at IS NOT NULL AND closed_by IS NOT NULL AND outcome IS NOT NULL AND close_reason IS NOT NULL));
CREATE INDEX vigil_reviews_opened ON vigil_reviews (opened_at DESC, id DESC);

CREATE FUNCTION vigil_reviews_closed_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'closed' THEN
    RAISE EXCEPTION 'review % is closed and cannot change (% refused)', OLD.id, TG_OP USING ERRCODE = 'check_violation';
  END IF;
  -- An open review only closes: what it froze, and who opened it why, never change.
  IF TG_OP = 'UPDATE' AND (NEW.id, NEW.model, NEW.version, NEW.reason, NEW.opened_by, NEW.opened_at, NEW.evidence)
       IS DISTINCT FROM (OLD.id, OLD.model, OLD.version, OLD.reason, OLD.opened_by, OLD.opened_at, OLD.evidence) THEN
    RAISE EXCEPTION 'review % keeps its frozen evidence and opening (UPDATE refused)', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
CREATE TRIGGER vigil_reviews_closed_immutable BEFORE UPDATE OR DELETE ON vigil_reviews
  FOR EACH ROW EXECUTE FUNCTION vigil_reviews_closed_immutable();

-- What reviewers found, in the order they wrote it. Append-only, and only while the review is open.
CREATE TABLE vigil_review_findings (
  id         bigserial   PRIMARY KEY,
  review_id  text        NOT NULL REFERENCES vigil_reviews (id),
  at         timestamptz NOT NULL,
  author     text        NOT NULL,
  text       text        NOT NULL
);
CREATE INDEX vigil_review_findings_review ON vigil_review_findings (review_id, id);
CREATE FUNCTION vigil_review_findings_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    RAISE EXCEPTION 'vigil_review_findings is append-only (% refused)', TG_OP;
  END IF;
  IF EXISTS (SELECT 1 FROM vigil_reviews r WHERE r.id = NEW.review_id AND r.status <> 'open') THEN
    RAISE EXCEPTION 'review % is closed: no findings can be added', NEW.review_id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER vigil_review_findings_guard BEFORE INSERT OR UPDATE OR DELETE ON vigil_review_findings
  FOR EACH ROW EXECUTE FUNCTION vigil_review_findings_guard();

ALTER TABLE vigil_dead_letters ADD COLUMN raw_erased_at timestamptz;
CREATE INDEX vigil_prediction_index_ts ON vigil_prediction_index (ts);
`;
