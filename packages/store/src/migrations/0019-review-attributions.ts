/**
 * The attributions a prediction event carried (docs/events.md, `attributions`), kept with its review item so the
 * reviewer sees what drove the score beside the features (docs/review.md). `{}` for an event without them, and for
 * items queued before this migration. Erased with the feature values by the review-queue retention.
 */
export const MIGRATION_0019_REVIEW_ATTRIBUTIONS = `
ALTER TABLE vigil_review_queue ADD COLUMN attributions jsonb NOT NULL DEFAULT '{}'::jsonb;
`;
