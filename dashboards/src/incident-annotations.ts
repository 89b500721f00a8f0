import type { Builder } from '@grafana/grafana-foundation-sdk/cog';
import { AnnotationQueryBuilder, type AnnotationQuery } from '@grafana/grafana-foundation-sdk/dashboard';
import { modelIs } from './sql-conventions';
import { VIGIL_DATASOURCE, sqlQuery } from './sql-query';

/**
 * Every incident of the selected model(s) that overlaps the time range, as a region from when it opened to when
 * it resolved (now, while it is open). Grafana's SQL annotations read the columns `time`, `timeend`, `text` and
 * `tags` (comma-separated); the annotation applies to every time-series panel of the dashboard.
 */
export function incidentAnnotationSql(multiModel: boolean): string {
  return `
    SELECT opened_at AS "time",
           coalesce(resolved_at, now()) AS timeend,
           format('%s %s: %s%s%s = %s (threshold %s)%s',
                  severity, status, metric,
                  coalesce(' of ' || nullif(feature, ''), ''),
                  coalesce(' for ' || nullif(group_key, ''), ''),
                  value::text, threshold::text,
                  coalesce(', version ' || nullif(version, ''), '')) AS text,
           concat_ws(',', model, severity, status, metric, nullif(feature, ''), nullif(group_key, '')) AS tags
    FROM vigil_incidents
    WHERE ${modelIs(multiModel)}
      AND opened_at <= $__timeTo() AND coalesce(resolved_at, now()) >= $__timeFrom()
    ORDER BY opened_at`;
}

export function incidentAnnotations(multiModel: boolean): Builder<AnnotationQuery> {
  return new AnnotationQueryBuilder()
    .name('Incidents')
    .datasource(VIGIL_DATASOURCE)
    .enable(true)
    .iconColor('red')
    .target(sqlQuery(incidentAnnotationSql(multiModel), 'table', 'Incidents'));
}
