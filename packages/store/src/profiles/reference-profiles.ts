import { compositeKey, VigilError } from '@vigil/core';
import type { SqlExecutor } from '../sql/sql-client';
import { toIso, toMs } from '../values';

export interface StoredReferenceProfile<P = unknown> {
  profile: P;
  createdAt: number;
}

/** Keeps every profile ever saved; `loadReferenceProfile` returns the newest. */
export async function saveReferenceProfile(
  sql: SqlExecutor,
  model: string,
  version: string,
  profile: unknown,
): Promise<void> {
  await sql.query('INSERT INTO vigil_models (model) VALUES ($1) ON CONFLICT DO NOTHING', [model]);
  await sql.query('INSERT INTO vigil_model_versions (model, version) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    model,
    version,
  ]);
  await sql.query('INSERT INTO vigil_reference_profiles (model, version, profile) VALUES ($1, $2, $3::jsonb)', [
    model,
    version,
    JSON.stringify(profile),
  ]);
}

export async function loadReferenceProfile<P = unknown>(
  sql: SqlExecutor,
  model: string,
  version: string,
): Promise<StoredReferenceProfile<P> | null> {
  const result = await sql.query<{ profile: P; created_at: unknown }>(
    `SELECT profile, created_at FROM vigil_reference_profiles WHERE model = $1 AND version = $2
     ORDER BY created_at DESC, id DESC LIMIT 1`,
    [model, version],
  );
  const row = result.rows[0];
  return row === undefined ? null : { profile: row.profile, createdAt: toMs(row.created_at) };
}

/** The model-wide profile fitted from the logged traffic of [from, to) (`reference: { from, to }`). */
export interface StoredRangeProfile<P = unknown> extends StoredReferenceProfile<P> {
  /** Events it was fitted from. */
  rows: number;
}

/**
 * Stores the profile of `model`'s traffic in [from, to) unless one is stored already, and returns the stored one:
 * every daemon of a group ends with the profile of whichever fitted first.
 */
export async function saveRangeProfile<P>(
  sql: SqlExecutor,
  model: string,
  from: number,
  to: number,
  profile: P,
  rows: number,
): Promise<StoredRangeProfile<P>> {
  await sql.query(
    `INSERT INTO vigil_range_profiles (model, range_from, range_to, profile, rows)
     VALUES ($1, $2::timestamptz, $3::timestamptz, $4::jsonb, $5) ON CONFLICT DO NOTHING`,
    [model, toIso(from, 'range start'), toIso(to, 'range end'), JSON.stringify(profile), rows],
  );
  const stored = await loadRangeProfile<P>(sql, model, from, to);
  if (!stored) throw new VigilError('VIGIL_INTERNAL', `the range profile of ${model} vanished after it was stored`);
  return stored;
}

export async function loadRangeProfile<P = unknown>(
  sql: SqlExecutor,
  model: string,
  from: number,
  to: number,
): Promise<StoredRangeProfile<P> | null> {
  const result = await sql.query<{ profile: P; rows: string | number; created_at: unknown }>(
    `SELECT profile, rows, created_at FROM vigil_range_profiles
     WHERE model = $1 AND range_from = $2::timestamptz AND range_to = $3::timestamptz`,
    [model, toIso(from, 'range start'), toIso(to, 'range end')],
  );
  const row = result.rows[0];
  return row === undefined ? null : { profile: row.profile, rows: Number(row.rows), createdAt: toMs(row.created_at) };
}

/** The profile a version's buckets are binned with (see migration 0008). */
export interface PinnedProfile<P = unknown> {
  fingerprint: string;
  /** Absent when `pinProfile` found the offered fingerprint pinned (the caller has the profile). */
  profile?: P;
  pinnedAt: number;
}

/**
 * Pins `profile` (whose canonical fingerprint is `fingerprint`) as the one `version`'s buckets are binned with,
 * unless one is pinned already; returns the pinned one, with its profile only when it is not the offered one.
 */
export async function pinProfile<P>(
  sql: SqlExecutor,
  model: string,
  version: string,
  fingerprint: string,
  profile: P,
): Promise<PinnedProfile<P>> {
  await sql.query(
    `INSERT INTO vigil_version_profiles (model, version, fingerprint, profile) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT DO NOTHING`,
    [model, version, fingerprint, JSON.stringify(profile)],
  );
  const result = await sql.query<{ fingerprint: string; profile: P | null; pinned_at: unknown }>(
    `SELECT fingerprint, CASE WHEN fingerprint = $3 THEN NULL ELSE profile END AS profile, pinned_at
     FROM vigil_version_profiles WHERE model = $1 AND version = $2`,
    [model, version, fingerprint],
  );
  const row = result.rows[0];
  if (!row)
    throw new VigilError(
      'VIGIL_INTERNAL',
      `the pinned profile of ${model} version ${version} vanished after it was pinned`,
    );
  return {
    fingerprint: row.fingerprint,
    ...(row.profile === null ? {} : { profile: row.profile }),
    pinnedAt: toMs(row.pinned_at),
  };
}

export async function loadPinnedProfile<P = unknown>(
  sql: SqlExecutor,
  model: string,
  version: string,
): Promise<Required<PinnedProfile<P>> | null> {
  const result = await sql.query<{ fingerprint: string; profile: P; pinned_at: unknown }>(
    'SELECT fingerprint, profile, pinned_at FROM vigil_version_profiles WHERE model = $1 AND version = $2',
    [model, version],
  );
  const row = result.rows[0];
  return row === undefined
    ? null
    : { fingerprint: row.fingerprint, profile: row.profile, pinnedAt: toMs(row.pinned_at) };
}

/** A reference fit kept by its fingerprint (migration 0029): the profile's JSON text as fitted, and its rows. */
export interface StoredReferenceFit {
  profileJson: string;
  rows: number;
}

/** How long a fit no daemon started with is kept. */
export const REFERENCE_FIT_UNUSED_DAYS = 30;

/**
 * The fits stored under `fingerprints` (those found), marked used now; fits unused for
 * REFERENCE_FIT_UNUSED_DAYS are deleted first. Two statements, whatever the number of fingerprints.
 */
export async function loadReferenceFits(
  sql: SqlExecutor,
  fingerprints: readonly string[],
): Promise<Map<string, StoredReferenceFit>> {
  await sql.query(
    `DELETE FROM vigil_reference_fits WHERE used_at < now() - make_interval(days => $1) AND NOT fingerprint = ANY($2::text[])`,
    [REFERENCE_FIT_UNUSED_DAYS, fingerprints],
  );
  const found = new Map<string, StoredReferenceFit>();
  if (fingerprints.length === 0) return found;
  const result = await sql.query<{ fingerprint: string; profile_json: string; rows: string | number }>(
    `UPDATE vigil_reference_fits SET used_at = now() WHERE fingerprint = ANY($1::text[])
     RETURNING fingerprint, profile_json, rows`,
    [fingerprints],
  );
  for (const row of result.rows) found.set(row.fingerprint, { profileJson: row.profile_json, rows: Number(row.rows) });
  return found;
}

/** Keeps a fit under its fingerprint; one stored already (by another daemon) stays: the same inputs, the same fit. */
export async function saveReferenceFit(sql: SqlExecutor, fingerprint: string, fit: StoredReferenceFit): Promise<void> {
  await sql.query(
    'INSERT INTO vigil_reference_fits (fingerprint, profile_json, rows) VALUES ($1, $2, $3) ON CONFLICT (fingerprint) DO NOTHING',
    [fingerprint, fit.profileJson, fit.rows],
  );
}

/** A (model, version) pair and, when it has one, the profile offered to pin for it. */
export interface PinRequest<P = unknown> {
  model: string;
  version: string;
  /** The candidate and its canonical fingerprint; absent: only the pinned profile is read. */
  offer?: { fingerprint: string; profile: P };
}

/** The newest stored reference profile (`loadReferenceProfile`) of each pair, in one statement; keyed by `compositeKey(model, version)`. */
export async function loadReferenceProfiles<P = unknown>(
  sql: SqlExecutor,
  pairs: ReadonlyArray<{ model: string; version: string }>,
): Promise<Map<string, StoredReferenceProfile<P>>> {
  const found = new Map<string, StoredReferenceProfile<P>>();
  if (pairs.length === 0) return found;
  const result = await sql.query<{ model: string; version: string; profile: P; created_at: unknown }>(
    `SELECT DISTINCT ON (r.model, r.version) r.model, r.version, r.profile, r.created_at
     FROM vigil_reference_profiles AS r
     JOIN (SELECT unnest($1::text[]) AS model, unnest($2::text[]) AS version) AS w
       ON r.model = w.model AND r.version = w.version
     ORDER BY r.model, r.version, r.created_at DESC, r.id DESC`,
    [pairs.map((p) => p.model), pairs.map((p) => p.version)],
  );
  for (const row of result.rows)
    found.set(compositeKey(row.model, row.version), { profile: row.profile, createdAt: toMs(row.created_at) });
  return found;
}

/**
 * `pinProfile` for every pair with an offer and `loadPinnedProfile` for the others, in two statements: the offers'
 * rows are inserted unless their pair is pinned (the first pin wins), then every pair's pinned row is read, its
 * profile only where it is not the offered one. Each distinct profile is sent once (`offers` share objects). Keyed
 * by `compositeKey(model, version)`; a pair without an offer and without a pin is absent.
 */
export async function resolvePins<P>(
  sql: SqlExecutor,
  requests: ReadonlyArray<PinRequest<P>>,
): Promise<Map<string, PinnedProfile<P>>> {
  const pinned = new Map<string, PinnedProfile<P>>();
  if (requests.length === 0) return pinned;
  const offered = requests.filter((r) => r.offer !== undefined);
  if (offered.length > 0) {
    const profileIndex = new Map<P, number>();
    const profiles: string[] = [];
    const at = offered.map((r) => {
      let i = profileIndex.get(r.offer!.profile);
      if (i === undefined) {
        i = profiles.push(JSON.stringify(r.offer!.profile));
        profileIndex.set(r.offer!.profile, i);
      }
      return i;
    });
    await sql.query(
      `INSERT INTO vigil_version_profiles (model, version, fingerprint, profile)
       SELECT w.model, w.version, w.fingerprint, p.profile::jsonb
       FROM (SELECT unnest($1::text[]) AS model, unnest($2::text[]) AS version, unnest($3::text[]) AS fingerprint,
                    unnest($4::int[]) AS i) AS w
       JOIN (SELECT profile, i::int FROM unnest($5::text[]) WITH ORDINALITY AS p(profile, i)) AS p ON p.i = w.i
       ON CONFLICT DO NOTHING`,
      [
        offered.map((r) => r.model),
        offered.map((r) => r.version),
        offered.map((r) => r.offer!.fingerprint),
        at,
        profiles,
      ],
    );
  }
  const result = await sql.query<{
    model: string;
    version: string;
    fingerprint: string;
    profile: P | null;
    pinned_at: unknown;
  }>(
    `SELECT v.model, v.version, v.fingerprint,
            CASE WHEN v.fingerprint IS NOT DISTINCT FROM w.offered THEN NULL ELSE v.profile END AS profile, v.pinned_at
     FROM vigil_version_profiles AS v
     JOIN (SELECT unnest($1::text[]) AS model, unnest($2::text[]) AS version, unnest($3::text[]) AS offered) AS w
       ON v.model = w.model AND v.version = w.version`,
    [requests.map((r) => r.model), requests.map((r) => r.version), requests.map((r) => r.offer?.fingerprint ?? null)],
  );
  for (const row of result.rows)
    pinned.set(compositeKey(row.model, row.version), {
      fingerprint: row.fingerprint,
      ...(row.profile === null ? {} : { profile: row.profile }),
      pinnedAt: toMs(row.pinned_at),
    });
  for (const r of offered)
    if (!pinned.has(compositeKey(r.model, r.version)))
      throw new VigilError(
        'VIGIL_INTERNAL',
        `the pinned profile of ${r.model} version ${r.version} vanished after it was pinned`,
      );
  return pinned;
}
