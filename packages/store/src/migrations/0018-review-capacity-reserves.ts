/**
 * Capacity reserved per sample (docs/review.md, "Capacity"): `reserved` counts, per model and clock hour, the items
 * charged to each reserve (`audit`, `group:<attribute>=<value>`) rather than to the hour's shared capacity, so a
 * later batch knows what is left of each reserve and of the shared part. `queued` stays the hour's total.
 */
export const MIGRATION_0018_REVIEW_CAPACITY_RESERVES = `
ALTER TABLE vigil_review_capacity ADD COLUMN reserved jsonb NOT NULL DEFAULT '{}'::jsonb;
`;
