import { createHash } from 'node:crypto';
import { compositeKey, VigilError, type MetricName } from '@vigil/core';
import type { SqlExecutor } from '../sql/sql-client';
import { int8ArrayParam, textArrayParam } from '../batch/array-params';
import { toIso, toMs, toNumber } from '../values';
import { trialsOf } from './group-interval';

/** One metric value of one window. Times in epoch milliseconds. */
export interface MetricRow {
  model: string;
  /** '' when events carry no version. */
  version: string;
  windowStart: number;
  windowEnd: number;
  metric: MetricName;
  /** '' for a metric of the whole model (not of one feature). */
  feature: string;
  /** '' for all rows; otherwise the group key, e.g. `sex=female`. */
  group: string;
  /** null when the metric cannot be computed for the window (no labels yet, say). */
  value: number | null;
  rows: number;
  labelledRows: number;
  /** Anything else worth showing (p-value, threshold, bins); stored as jsonb. */
  details?: unknown;
  /** Set by the store on write. */
  computedAt?: number;
}

export interface MetricRowQuery {
  /** Windows starting at or after this time (epoch ms). */
  from: number;
  /** Windows starting before this time (epoch ms). */
  to: number;
  version?: string;
  metric?: string;
}

/**
 * Upserts on the window key, so analysing a window again (late labels) revises its rows in place. Rows with the
 * same key in one call: the last one wins.
 *
 * Stored compactly (migration 0012, docs/storage.md): the row keys once in `vigil_metric_series`, and per window one
 * `vigil_metric_windows` row holding every value and every details object of the window's rows, keyed by series id.
 * Rows of a window written again replace their values and details; the window's other rows stay, as they did as
 * table rows. `rows` and `labelledRows` are the window's: a window stores the counts of the last row written to it
 * (the daemon writes the same counts on every row of a window).
 */
export async function upsertMetricRows(sql: SqlExecutor, rows: readonly MetricRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const byKey = new Map<string, MetricRow>();
  for (const r of rows)
    byKey.set(compositeKey(r.model, r.version, r.windowStart, r.windowEnd, r.metric, r.feature, r.group), r);
  const list = [...byKey.values()];
  // Rows of one window share its times: checked once a window, not once a row.
  let checked: MetricRow | undefined;
  for (const r of list) {
    if (checked === undefined || r.windowStart !== checked.windowStart || r.windowEnd !== checked.windowEnd) {
      wholeMs(r.windowStart, 'windowStart');
      wholeMs(r.windowEnd, 'windowEnd');
      checked = r;
    }
    wholeCount(r.rows, 'rows');
    wholeCount(r.labelledRows, 'labelledRows');
  }
  // Each row's series id, by its index in `list`.
  const ids = await seriesIds(sql, list);
  const shared = await sharedHistograms(sql, list);
  const windows = new Map<
    string,
    { first: MetricRow; last: MetricRow; vals: Map<number, number | null>; details: string[] }
  >();
  // The window of each row (its key) and, by feature and group, the finite non-zero values of the window's rows: what
  // a row's details may point at instead of holding a copy (migration 0028).
  const windowKeys = list.map((r) => compositeKey(r.model, r.version, r.windowStart, r.windowEnd));
  const siblingKeys = list.map((r, i) => compositeKey(windowKeys[i] as string, r.feature, r.group));
  const siblings = new Map<string, Map<number, number>>();
  for (let i = 0; i < list.length; i++) {
    const r = list[i] as MetricRow;
    if (r.value === null || !Number.isFinite(r.value) || r.value === 0) continue;
    const key = siblingKeys[i] as string;
    let byValue = siblings.get(key);
    if (byValue === undefined) siblings.set(key, (byValue = new Map()));
    if (!byValue.has(r.value)) byValue.set(r.value, ids[i] as number);
  }
  for (let i = 0; i < list.length; i++) {
    const r = list[i] as MetricRow;
    const key = windowKeys[i] as string;
    let w = windows.get(key);
    if (w === undefined) windows.set(key, (w = { first: r, last: r, vals: new Map(), details: [] }));
    w.last = r;
    const id = ids[i] as number;
    w.vals.set(id, r.value);
    if (r.details === undefined) continue;
    const sibling = siblings.get(siblingKeys[i] as string);
    w.details.push(`"${id}":${detailsJson(compactDetails(r.details, id, r.value, sibling), shared)}`);
  }
  const ws = [...windows.values()];
  // A window's values as a float8[] in the order of its sorted series ids, whose set (its layout) is stored once
  // (migration 0023). Written again, a window keeps the values of its series not written and takes the others'; its
  // details drop every series written (a row written again without details loses the details it had); the details
  // kept have their sibling values pinned first (migration 0028), as those values may be the ones written.
  const layouts = ws.map((w) => [...w.vals.keys()].sort((a, b) => a - b));
  await sql.query(
    `INSERT INTO vigil_metric_windows AS t (model, version, window_start, window_end, rows, labelled_rows, layout, vals, details, computed_at)
     SELECT u.m, u.v, timestamptz 'epoch' + u.ws * interval '1 millisecond', timestamptz 'epoch' + u.we * interval '1 millisecond',
            u.r, u.l, vigil_metric_layout(u.ids::integer[]), u.vals::double precision[], u.d::jsonb, now()
     FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::int8[], $5::int8[], $6::int8[], $7::text[], $8::text[], $9::text[])
       AS u(m, v, ws, we, r, l, ids, vals, d)
     ON CONFLICT (model, version, window_start, window_end) DO UPDATE SET
       rows = EXCLUDED.rows, labelled_rows = EXCLUDED.labelled_rows,
       (layout, vals) = (SELECT m.merged_layout, m.merged_vals FROM vigil_metric_merge_values(t.layout, t.vals, EXCLUDED.layout, EXCLUDED.vals) AS m),
       details = NULLIF(COALESCE(vigil_metric_pin_details(t.details - vigil_metric_layout_series(EXCLUDED.layout)::text[], t.layout, t.vals), '{}'::jsonb) || COALESCE(EXCLUDED.details, '{}'::jsonb), '{}'::jsonb),
       computed_at = EXCLUDED.computed_at`,
    [
      textArrayParam(ws.map((w) => w.first.model)),
      textArrayParam(ws.map((w) => w.first.version)),
      int8ArrayParam(ws.map((w) => Math.trunc(w.first.windowStart))),
      int8ArrayParam(ws.map((w) => Math.trunc(w.first.windowEnd))),
      int8ArrayParam(ws.map((w) => w.last.rows)),
      int8ArrayParam(ws.map((w) => w.last.labelledRows)),
      textArrayParam(layouts.map((ids) => `{${ids.join(',')}}`)),
      textArrayParam(
        ws.map(
          (w, i) => `{${(layouts[i] as number[]).map((id) => arrayValue(w.vals.get(id) as number | null)).join(',')}}`,
        ),
      ),
      textArrayParam(ws.map((w) => (w.details.length === 0 ? null : `{${w.details.join(',')}}`))),
    ],
  );
  return list.length;
}

function seriesKey(r: Pick<MetricRow, 'model' | 'version' | 'feature' | 'group'> & { metric: string }): string {
  return compositeKey(r.model, r.version, r.metric, r.feature, r.group);
}

/**
 * The series id of each row's (model, version, metric, feature, group), by the row's index, adding the missing ones.
 * Only keys not yet known are inserted: `ON CONFLICT DO NOTHING` alone would draw an identity value for every row of
 * every analysis. Each key is sent once and its id comes back by its position (not by its text: an analysis pass
 * writes tens of thousands of rows).
 */
async function seriesIds(sql: SqlExecutor, list: readonly MetricRow[]): Promise<number[]> {
  const position = new Map<string, number>();
  const ks: MetricRow[] = [];
  const of = list.map((r) => {
    const key = seriesKey(r);
    let at = position.get(key);
    if (at === undefined) {
      position.set(key, (at = ks.length));
      ks.push(r);
    }
    return at;
  });
  const params = [
    textArrayParam(ks.map((r) => r.model)),
    textArrayParam(ks.map((r) => r.version)),
    textArrayParam(ks.map((r) => r.metric)),
    textArrayParam(ks.map((r) => r.feature)),
    textArrayParam(ks.map((r) => r.group)),
  ];
  const idOf: Array<number | undefined> = new Array(ks.length);
  let found = 0;
  const read = (result: { rows: Array<{ i: unknown; series_id: unknown }> }) => {
    for (const r of result.rows) {
      const at = toNumber(r.i) - 1;
      if (idOf[at] === undefined) found++;
      idOf[at] = toNumber(r.series_id);
    }
  };
  // The INSERT's RETURNING gives the new ids; the SELECT (same snapshot) the ones known before.
  read(
    await sql.query<{ i: unknown; series_id: unknown }>(
      `WITH k AS (SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS k(m, v, metric, f, g, i)),
       added AS (
         INSERT INTO vigil_metric_series (model, version, metric, feature, group_key)
         SELECT k.m, k.v, k.metric, k.f, k.g FROM k
         WHERE NOT EXISTS (SELECT 1 FROM vigil_metric_series s WHERE s.model = k.m AND s.version = k.v AND s.metric = k.metric AND s.feature = k.f AND s.group_key = k.g)
         ON CONFLICT DO NOTHING
         RETURNING series_id, model, version, metric, feature, group_key)
       SELECT k.i, s.series_id
       FROM vigil_metric_series s JOIN k ON s.model = k.m AND s.version = k.v AND s.metric = k.metric AND s.feature = k.f AND s.group_key = k.g
       UNION ALL SELECT k.i, a.series_id
       FROM added a JOIN k ON a.model = k.m AND a.version = k.v AND a.metric = k.metric AND a.feature = k.f AND a.group_key = k.g`,
      params,
    ),
  );
  if (found < ks.length) {
    // Added by another transaction after this statement's snapshot (its INSERT waited for that one to commit).
    read(
      await sql.query<{ i: unknown; series_id: unknown }>(
        `SELECT k.i, s.series_id
         FROM vigil_metric_series s JOIN UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS k(m, v, metric, f, g, i)
           ON s.model = k.m AND s.version = k.v AND s.metric = k.metric AND s.feature = k.f AND s.group_key = k.g`,
        params,
      ),
    );
  }
  if (found < ks.length) throw new VigilError('VIGIL_INTERNAL', 'a metric series was neither found nor added');
  return of.map((at) => idOf[at] as number);
}

/** A drift histogram as the analysis writes it: bin labels and reference counts (the profile's) and current counts. */
interface FullHistogram {
  labels: unknown[];
  reference: unknown[];
  current: unknown;
}

/** `details.histogram` when it has exactly the three fields of a drift histogram, labels and reference arrays. */
function fullHistogram(details: unknown): FullHistogram | undefined {
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return undefined;
  const h = (details as { histogram?: unknown }).histogram;
  if (typeof h !== 'object' || h === null || Array.isArray(h)) return undefined;
  const keys = Object.keys(h);
  if (keys.length !== 3 || !('labels' in h && 'reference' in h && 'current' in h)) return undefined;
  const { labels, reference } = h as FullHistogram;
  return Array.isArray(labels) && Array.isArray(reference) ? (h as FullHistogram) : undefined;
}

/** The digest of a histogram's shared part: the first 128 bits of the SHA-256 of its JSON, hex. */
function histogramDigest(h: FullHistogram): string {
  return createHash('sha256')
    .update(JSON.stringify([h.labels, h.reference]))
    .digest('hex')
    .slice(0, 32);
}

/**
 * Stored once (migration 0020, docs/storage.md): the bin labels and reference counts of the rows' drift histograms,
 * which repeat in every window of a model version. The id of each histogram's shared part by the histogram (the
 * object, as the rows hold it), adding the parts not stored yet, found by their digest.
 */
async function sharedHistograms(sql: SqlExecutor, list: readonly MetricRow[]): Promise<Map<object, number>> {
  const byDigest = new Map<string, FullHistogram>();
  const digestOf = new Map<FullHistogram, string>();
  for (const r of list) {
    const h = fullHistogram(r.details);
    if (h === undefined || digestOf.has(h)) continue;
    const digest = histogramDigest(h);
    digestOf.set(h, digest);
    byDigest.set(digest, h);
  }
  const found = new Map<object, number>();
  if (byDigest.size === 0) return found;
  const digests = [...byDigest.keys()];
  const params = [
    textArrayParam(digests),
    textArrayParam(digests.map((d) => JSON.stringify((byDigest.get(d) as FullHistogram).labels))),
    textArrayParam(digests.map((d) => JSON.stringify((byDigest.get(d) as FullHistogram).reference))),
  ];
  const idOf = new Map<string, number>();
  const read = (result: { rows: Record<string, unknown>[] }) => {
    for (const r of result.rows) idOf.set(String(r.digest), toNumber(r.histogram_id));
  };
  // As for series ids: the INSERT adds only the digests not stored, the SELECT (same snapshot) finds the others.
  read(
    await sql.query<Record<string, unknown>>(
      `WITH k AS (SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[]) AS k(digest, labels, reference)),
       added AS (
         INSERT INTO vigil_metric_histograms (digest, labels, reference)
         SELECT k.digest, k.labels::jsonb, k.reference::jsonb FROM k
         WHERE NOT EXISTS (SELECT 1 FROM vigil_metric_histograms h WHERE h.digest = k.digest)
         ON CONFLICT DO NOTHING
         RETURNING histogram_id, digest)
       SELECT h.histogram_id, h.digest FROM vigil_metric_histograms h JOIN k ON h.digest = k.digest
       UNION ALL SELECT * FROM added`,
      params,
    ),
  );
  if (idOf.size < digests.length) {
    // Added by another transaction after this statement's snapshot.
    read(
      await sql.query<Record<string, unknown>>(
        'SELECT histogram_id, digest FROM vigil_metric_histograms WHERE digest = ANY($1::text[])',
        [params[0]],
      ),
    );
  }
  for (const [h, digest] of digestOf) {
    const id = idOf.get(digest);
    if (id === undefined) throw new VigilError('VIGIL_INTERNAL', 'a metric histogram was neither found nor added');
    found.set(h, id);
  }
  return found;
}

/** A row's details as stored: a drift histogram's labels and reference counts replaced by their shared id. */
function detailsJson(details: unknown, shared: ReadonlyMap<object, number>): string {
  const h = fullHistogram(details);
  const id = h === undefined ? undefined : shared.get(h);
  if (id === undefined) return JSON.stringify(details) ?? 'null';
  return JSON.stringify({ ...(details as object), histogram: { $h: id, current: (h as FullHistogram).current } });
}

/**
 * The key sets of a per-group rate's details, stored as `"$g": [n, labelled, sufficient, ci?]` (migration 0028), the
 * interval as its trials where they rebuild it exactly (`"$g": [n, labelled, sufficient, trials]`, migration 0033).
 */
const GROUP_KEYS = ['labelled', 'n', 'sufficient'];
const GROUP_KEYS_CI = ['ci', 'labelled', 'n', 'sufficient'];

/**
 * A row's details without what the view rebuilds (migration 0028): numbers that are the value of a sibling row (same
 * window, feature and group, written in this call) become `"$v": {"<field>": <series id>}`, and a per-group rate's
 * `{n, labelled, sufficient, ci}` becomes `"$g": […]`, with the trials instead of `ci` when the view rebuilds `ci`
 * from them and the row's `value` to the last bit (migration 0033). Details with a key starting with "$" are left as
 * they are.
 */
function compactDetails(
  details: unknown,
  id: number,
  value: number | null,
  sibling: ReadonlyMap<number, number> | undefined,
): unknown {
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return details;
  const d = details as Record<string, unknown>;
  const keys = Object.keys(d).sort();
  if (keys.some((k) => k.startsWith('$'))) return details;
  // Every value defined: JSON drops an undefined field of an object but writes null for it in an array.
  const same = (a: readonly string[]) =>
    a.length === keys.length && a.every((k, i) => keys[i] === k && d[k] !== undefined);
  if (same(GROUP_KEYS)) return { $g: [d.n, d.labelled, d.sufficient] };
  if (same(GROUP_KEYS_CI))
    return { $g: [d.n, d.labelled, d.sufficient, trialsOf(value, d.ci, typeof d.n === 'number' ? d.n : 0) ?? d.ci] };
  if (sibling === undefined) return details;
  let out: Record<string, unknown> | undefined;
  const refs: Record<string, number> = {};
  for (const k of keys) {
    const v = d[k];
    if (typeof v !== 'number') continue;
    const from = sibling.get(v);
    if (from === undefined || from === id) continue;
    out ??= { ...d };
    delete out[k];
    refs[k] = from;
  }
  return out === undefined ? details : { ...out, $v: refs };
}

/** A value as an element of a float8[] literal: NULL, or the text float8 reads exactly (shortest round trip, NaN, ±Infinity). */
function arrayValue(value: number | null): string {
  return value === null ? 'NULL' : String(value);
}

export async function metricRows(sql: SqlExecutor, model: string, query: MetricRowQuery): Promise<MetricRow[]> {
  // Each window's values, layout and details are read (and decompressed) once, joined on their series id.
  const result = await sql.query<Record<string, unknown>>(
    `SELECT w.model, w.version, w.window_start, w.window_end, s.metric, s.feature, s.group_key, x.value, w.rows::text AS rows,
            w.labelled_rows::text AS labelled_rows, x.details, w.computed_at
     FROM vigil_metric_windows w
     JOIN vigil_metric_layouts l ON l.layout_id = w.layout
     CROSS JOIN LATERAL (
       SELECT v.id, v.value, vigil_metric_details(d.value, w.vals, l.positions, v.value) AS details
       FROM unnest(l.series, w.vals) AS v(id, value) LEFT JOIN jsonb_each(w.details) AS d ON d.key = v.id::text
     ) AS x
     JOIN vigil_metric_series s ON s.series_id = x.id
     WHERE w.model = $1 AND w.window_start >= $2::timestamptz AND w.window_start < $3::timestamptz
       AND ($4::text IS NULL OR w.version = $4) AND ($5::text IS NULL OR s.metric = $5)
     ORDER BY w.window_start, w.window_end, w.version, s.metric, s.feature, s.group_key`,
    [model, toIso(query.from, 'from'), toIso(query.to, 'to'), query.version ?? null, query.metric ?? null],
  );
  return result.rows.map((r) => ({
    model: String(r.model),
    version: String(r.version),
    windowStart: toMs(r.window_start),
    windowEnd: toMs(r.window_end),
    // Only the runner writes metric rows, and it writes only METRIC_NAMES.
    metric: String(r.metric) as MetricName,
    feature: String(r.feature),
    group: String(r.group_key),
    value: r.value === null ? null : toNumber(r.value),
    rows: toNumber(r.rows),
    labelledRows: toNumber(r.labelled_rows),
    ...(r.details === null || r.details === undefined ? {} : { details: r.details }),
    computedAt: toMs(r.computed_at),
  }));
}

/** A window time as whole epoch milliseconds, refused (like toIso) when it is not a time. */
function wholeMs(ms: number, what: string): number {
  toIso(ms, what);
  return Math.trunc(ms);
}

/** A row count; refused when it is not a safe non-negative integer. */
function wholeCount(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new VigilError('VIGIL_INTERNAL', `${what} is not a row count: ${n}`);
  return n;
}
