/**
 * Reference profiles fitted from the configured files, kept by the fingerprint of what the fit read: the file's bytes,
 * its format and the model's fit settings (packages/daemon/src/run/reference-fits.ts). A daemon starting with a
 * file and settings fitted before, by itself or by another daemon of the database, reads the profile here instead
 * of fitting it again (decision 0034): 1,000 models of 20,000 reference rows took ~220 s to fit one after the other.
 *
 * `profile_json` is the fitted profile's JSON text as written, not `jsonb`, so a profile read back parses to what
 * the fitting daemon used, key order included. `used_at` moves whenever a daemon starts with the fit; fits unused
 * for 30 days are deleted at start-up (a fit is only ever a cache: deleting one costs a fit at the next start).
 */
export const MIGRATION_0029_REFERENCE_FITS = `
CREATE TABLE vigil_reference_fits (
  fingerprint  text        PRIMARY KEY,
  profile_json text        NOT NULL,
  rows         bigint      NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  used_at      timestamptz NOT NULL DEFAULT now()
);
`;
