/**
 * The fleet dashboard read every window of every model over the range that still holds windows: its worst-PSI
 * panel looked up each window's 20 input-feature PSI values through `vigil_metric_rows` (403,000 windows for 100
 * models × 14 days), and its Models table did the same to find each model's latest window. Each window now carries
 * what those panels read of it, in five narrow columns of its own row (docs/storage.md "The fleet's summary of a
 * window"):
 *
 * - `psi_features`: how many input-feature PSI series the window holds (the panel's filter: a feature, not
 *   `$score`, not a group), `psi_max` the largest of their values and `psi_worst_feature` its feature (ties: the
 *   first feature by name), `drifted_features` the sum of their `drifted` values;
 * - `model_rows`: whether the window holds the model's `rows` series (the Models table's latest window).
 *
 * Computed by a BEFORE INSERT OR UPDATE trigger from the row's layout and values, so they are those of the window
 * as stored (a window written again merges its values first) whoever writes it, in the same statement as the
 * window: `upsertMetricRows` is unchanged. On the window's own row they go wherever it goes: into its weekly
 * partition, and with it when retention drops the partition or deletes the window. A partition made by the
 * maintenance pass (`LIKE vigil_metric_windows`, then attached) gets the columns and, on attaching, the trigger.
 * Every stored window is summarised here.
 */
export const MIGRATION_0027_METRIC_WINDOW_FLEET_SUMMARY = `
ALTER TABLE vigil_metric_windows ADD COLUMN psi_features smallint, ADD COLUMN psi_max double precision,
  ADD COLUMN psi_worst_feature text, ADD COLUMN drifted_features double precision, ADD COLUMN model_rows boolean;

CREATE FUNCTION vigil_metric_window_summary() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  -- Decompressed once (the || copies it), not once per series looked up: 3x the trigger's time otherwise.
  pos jsonb := (SELECT positions || '{}'::jsonb FROM vigil_metric_layouts WHERE layout_id = NEW.layout);
  v double precision[] := NEW.vals;
BEGIN
  -- The series of the model version the panels read, looked up by position in the window's layout (as the view
  -- vigil_metric_rows does); VOLATILE plpgsql: a layout added by this same statement is seen.
  SELECT count(*) FILTER (WHERE x.metric = 'psi' AND x.feature_row),
         max(x.v) FILTER (WHERE x.metric = 'psi' AND x.feature_row),
         (array_agg(x.feature ORDER BY x.v DESC NULLS LAST, x.feature) FILTER (WHERE x.metric = 'psi' AND x.feature_row))[1],
         sum(x.v) FILTER (WHERE x.metric = 'drifted' AND x.feature_row),
         count(*) FILTER (WHERE x.metric = 'rows' AND NOT x.feature_row) > 0
  INTO NEW.psi_features, NEW.psi_max, NEW.psi_worst_feature, NEW.drifted_features, NEW.model_rows
  FROM (SELECT s.metric, s.feature, s.feature <> '' AS feature_row, v[p.i] AS v
        FROM vigil_metric_series s
        CROSS JOIN LATERAL (SELECT (pos ->> s.series_id::text)::integer AS i) AS p
        WHERE s.model = NEW.model AND s.version = NEW.version AND s.metric IN ('psi', 'drifted', 'rows')
          AND s.group_key = '' AND (s.feature = '' OR s.feature NOT LIKE '$%') AND (s.metric <> 'rows' OR s.feature = '')
          AND p.i IS NOT NULL) AS x;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER vigil_metric_window_summary BEFORE INSERT OR UPDATE OF layout, vals, model, version ON vigil_metric_windows
  FOR EACH ROW EXECUTE FUNCTION vigil_metric_window_summary();
UPDATE vigil_metric_windows SET vals = vals;
`;
