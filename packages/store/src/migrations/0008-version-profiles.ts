/**
 * The profile a model version's traffic is binned with, pinned when the version is first counted or analysed.
 * Buckets hold counts over a profile's bins and are merged by adding them, so every bucket of a version must come
 * from one profile: a profile stored or configured later, or a daemon with another reference file, would otherwise
 * add counts over other edges or stall merges (decision 0008). The first pin wins; `fingerprint` is the SHA-256
 * of the profile's canonical JSON, so daemons compare profiles without sending them.
 */
export const MIGRATION_0008_VERSION_PROFILES = `
CREATE TABLE vigil_version_profiles (
  model        text        NOT NULL,
  version      text        NOT NULL,
  fingerprint  text        NOT NULL,
  profile      jsonb       NOT NULL,
  pinned_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, version)
);
`;
