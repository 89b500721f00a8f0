/**
 * The default profile of a model whose reference is a time range of its logged traffic (`reference: { from, to }`),
 * fitted once by whichever daemon gets there first: the first one stored is the one every daemon of the group uses
 * (a later fit of the same range could have seen more late events and got other bins).
 */
export const MIGRATION_0006_RANGE_PROFILES = `
CREATE TABLE vigil_range_profiles (
  model       text        NOT NULL,
  range_from  timestamptz NOT NULL,
  range_to    timestamptz NOT NULL,
  profile     jsonb       NOT NULL,
  rows        bigint      NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, range_from, range_to)
);
`;
