/**
 * What was left of a window's record after migration 0023 was its details, 6.0 KB stored (pglz), and the TOAST
 * pages holding them: a value is cut into chunks of 1,996 bytes, four to a page, and details of ~6.0 KB took three
 * full chunks and a small fourth, so each window left most of a chunk's room free on its page (docs/storage.md).
 * Two kinds of redundancy are taken out of the details as stored, and put back by `vigil_metric_details`:
 *
 * - **copies of sibling values**: a `drifted` row carries its test's statistic and p-value (`value`, `pValue`), which
 *   are the values of its sibling rows (`ks`/`ksPValue`, `chi2`/`chi2PValue`) of the same feature and group in the
 *   same window. The writer stores `"$v": {"<field>": <series id>}` instead of such a number, and the reader takes
 *   the value of that series from the window's `vals`. Only finite numbers other than zero are replaced (a float8
 *   holds -0 and 0 apart, JSON does not), and only by a series written in the same statement.
 * - **per-group rates' object keys**: `{"n", "labelled", "sufficient", "ci"}` (102 of a window's rows at 17 groups)
 *   is stored as `"$g": [n, labelled, sufficient, ci]` (without `ci` for calibration's).
 *
 * `vigil_metric_details(details, vals, positions)` rebuilds both, then the shared histograms (migration 0020):
 * `vigil_metric_rows`, the store's reads, the HTTP API and Grafana's panels see the details as written. A number put
 * back from a float8 prints as float8's shortest exact text (the function fixes `extra_float_digits` at 1 for
 * itself, whatever a client's session sets), which is the JSON number JavaScript wrote. Windows stored before this
 * migration have no "$v" nor "$g" and read unchanged: nothing is converted.
 *
 * A window written again keeps the details of its series not written; their "$v" are resolved against the window's
 * values before those change (`vigil_metric_pin_details`), so a rewritten sibling does not change them.
 */
export const MIGRATION_0028_METRIC_DETAILS_WITHOUT_COPIES = `
CREATE FUNCTION vigil_metric_details(d jsonb, vals double precision[], positions jsonb) RETURNS jsonb LANGUAGE sql STABLE PARALLEL SAFE
SET extra_float_digits = 1 AS $fn$
  SELECT vigil_metric_details(CASE
    WHEN jsonb_typeof(d) <> 'object' THEN d
    WHEN d ? '$g' THEN (d - '$g') || jsonb_build_object('n', d -> '$g' -> 0, 'labelled', d -> '$g' -> 1, 'sufficient', d -> '$g' -> 2)
      || CASE WHEN jsonb_array_length(d -> '$g') > 3 THEN jsonb_build_object('ci', d -> '$g' -> 3) ELSE '{}'::jsonb END
    WHEN d ? '$v' THEN (d - '$v') || (
      SELECT jsonb_object_agg(r.key, to_jsonb(vals[(positions ->> (r.value #>> '{}'))::integer])) FROM jsonb_each(d -> '$v') AS r)
    ELSE d END)
$fn$;

-- A window's details with every "$v" replaced by the numbers it points at in the window's values (of its layout).
CREATE FUNCTION vigil_metric_pin_details(details jsonb, layout integer, vals double precision[]) RETURNS jsonb LANGUAGE sql VOLATILE
SET extra_float_digits = 1 AS $fn$
  SELECT jsonb_object_agg(e.key, CASE WHEN jsonb_typeof(e.value) = 'object' AND e.value ? '$v' THEN (e.value - '$v') || (
    SELECT jsonb_object_agg(r.key, to_jsonb(vals[array_position(l.series, (r.value #>> '{}')::integer)])) FROM jsonb_each(e.value -> '$v') AS r)
    ELSE e.value END)
  FROM jsonb_each(details) AS e, (SELECT vigil_metric_layout_series(layout) AS series) AS l
$fn$;

CREATE OR REPLACE VIEW vigil_metric_rows AS
SELECT w.model, w.version, w.window_start, w.window_end, s.metric, s.feature, s.group_key,
       d.vals[p.i] AS value, w.rows, w.labelled_rows,
       vigil_metric_details(w.details -> s.series_id::text, d.vals, d.positions) AS details, w.computed_at
FROM vigil_metric_windows w
CROSS JOIN LATERAL (
  SELECT l.positions || '{}'::jsonb AS positions, w.vals || '{}'::double precision[] AS vals
  FROM vigil_metric_layouts l WHERE l.layout_id = w.layout OFFSET 0
) AS d
JOIN vigil_metric_series s ON s.model = w.model AND s.version = w.version
CROSS JOIN LATERAL (SELECT (d.positions ->> s.series_id::text)::integer AS i) AS p
WHERE p.i IS NOT NULL;
`;
