import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';

/** The provisioned PostgreSQL datasource every panel, variable and annotation reads from. */
export const VIGIL_DATASOURCE_UID = 'vigil-postgres';

/** Grafana ≥ 10.3 names its built-in PostgreSQL plugin `grafana-postgresql-datasource` (formerly `postgres`). */
export const POSTGRES_DATASOURCE_TYPE = 'grafana-postgresql-datasource';

export const VIGIL_DATASOURCE: DataSourceRef = { type: POSTGRES_DATASOURCE_TYPE, uid: VIGIL_DATASOURCE_UID };

/**
 * `time_series`: Grafana expects a `time` column, sorted ascending, and numeric values; with exactly three columns
 * (time, a string column named `metric`, one value) the string names the series. `table`: any columns.
 */
export type SqlFormat = 'time_series' | 'table';

/** A query of Grafana's SQL datasources as stored in dashboard JSON (the foundation SDK has no PostgreSQL builder). */
export interface SqlQuery extends Dataquery {
  refId: string;
  datasource: DataSourceRef;
  rawSql: string;
  format: SqlFormat;
  rawQuery: true;
  editorMode: 'code';
}

/**
 * Builds one raw-SQL target. The SQL is normalised (common indentation removed, ends trimmed) so the dashboard
 * JSON stays readable and its snapshot stable.
 */
export function sqlQuery(rawSql: string, format: SqlFormat, refId = 'A'): Builder<SqlQuery> {
  const query: SqlQuery = {
    refId,
    datasource: VIGIL_DATASOURCE,
    rawSql: dedent(rawSql),
    format,
    rawQuery: true,
    editorMode: 'code',
    _implementsDataqueryVariant() {},
  };
  return { build: () => query };
}

/**
 * Removes the indentation common to every non-blank line, and blank lines at both ends. A first line that starts
 * right after the opening backtick has no indentation of its own, so it does not count.
 */
export function dedent(text: string): string {
  const lines = text.replace(/\t/g, '  ').split('\n');
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const [first = '', ...rest] = lines;
  const flush = !first.startsWith(' ');
  const counted = (flush ? rest : lines).filter((l) => l.trim() !== '');
  const indent = counted.length === 0 ? 0 : Math.min(...counted.map((l) => l.length - l.trimStart().length));
  return lines
    .map((l, i) => (i === 0 && flush ? l : l.slice(Math.min(indent, l.length - l.trimStart().length))).trimEnd())
    .join('\n');
}

/** SQL made of several pieces (a shared WITH clause and the SELECT of one panel), each dedented on its own. */
export function joinSql(...parts: string[]): string {
  return parts.map(dedent).join('\n');
}
