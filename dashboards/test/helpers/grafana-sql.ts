/**
 * Turns the SQL of a panel, variable or annotation into the statement Grafana sends to PostgreSQL, in Grafana's
 * two steps:
 * 1. the browser's template service replaces variables (`$name`, `${name}`, `${name:format}`, `[[name]]`, and
 *    the built-ins `$__interval`, `$__interval_ms`, `$__from`, `$__to`), quoting values as the SQL datasources do
 *    (public/app/features/plugins/sql/datasource/SqlDatasource.ts `interpolateVariable`): a single-value
 *    variable's `'` is doubled and nothing else; a multi-value or include-All variable becomes `'a','b'`; a name
 *    that is no variable is left as written;
 * 2. the PostgreSQL backend expands its macros (pkg/tsdb/grafana-postgresql-datasource/macros.go):
 *    `$__timeFilter(c)` → `c BETWEEN 'from' AND 'to'` (RFC 3339, UTC), `$__timeGroup(c, '5m')` →
 *    `floor(extract(epoch from c)/300)*300`, and so on; an unknown `$__macro(...)` is an error, as in Grafana.
 */

export interface GrafanaVariable {
  /** The current value: a string, or several for a multi-value variable (for "All", every option). */
  value: string | readonly string[];
  multi?: boolean;
  includeAll?: boolean;
}

export interface GrafanaQueryContext {
  from: Date;
  to: Date;
  /** The panel's interval, which Grafana derives from the time range and the panel width. */
  intervalMs: number;
  variables: Readonly<Record<string, GrafanaVariable>>;
}

export function expandGrafanaSql(sql: string, context: GrafanaQueryContext): string {
  return expandMacros(interpolateVariables(sql, context), context);
}

/** Grafana's template-variable syntax (public/app/features/variables/utils.ts `variableRegex`). */
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

const quoteLiteral = (value: string) => `'${value.replace(/'/g, "''")}'`;

export function interpolateVariables(sql: string, context: GrafanaQueryContext): string {
  const builtIns: Record<string, string> = {
    __interval: formatInterval(context.intervalMs),
    __interval_ms: String(context.intervalMs),
    __from: String(context.from.getTime()),
    __to: String(context.to.getTime()),
  };
  return sql.replace(
    VARIABLE,
    (
      match: string,
      plain?: string,
      bracket?: string,
      bracketFormat?: string,
      braced?: string,
      fieldPath?: string,
      bracedFormat?: string,
    ) => {
      const name = plain ?? bracket ?? braced;
      const format = bracketFormat ?? bracedFormat;
      if (name === undefined) return match;
      if (fieldPath !== undefined) throw new Error(`${match}: field paths of variables are not supported here`);
      if (name in builtIns) {
        if (format !== undefined) throw new Error(`${match}: formats of built-in variables are not supported here`);
        return builtIns[name] as string;
      }
      const variable = context.variables[name];
      if (variable === undefined) return match;
      if (format !== undefined) return formatted(variable, format, match);
      const { value } = variable;
      if (typeof value === 'string')
        return variable.multi || variable.includeAll ? quoteLiteral(value) : value.replace(/'/g, "''");
      return value.map(quoteLiteral).join(',');
    },
  );
}

/** The few explicit formats (`${name:format}`) a dashboard might use. */
function formatted(variable: GrafanaVariable, format: string, match: string): string {
  const values = typeof variable.value === 'string' ? [variable.value] : [...variable.value];
  switch (format) {
    case 'raw':
      return values.join(',');
    case 'csv':
      return values.join(',');
    case 'singlequote':
      return values.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',');
    case 'sqlstring':
      return values.map(quoteLiteral).join(',');
    default:
      throw new Error(`${match}: the format "${format}" is not supported here`);
  }
}

/** public/app/core/utils/kbn or rangeutil `secondsToHms`: the largest unit that is not zero, e.g. `5m`. */
export function formatInterval(ms: number): string {
  const seconds = ms / 1000;
  const units: Array<[number, string]> = [
    [31536000, 'y'],
    [86400, 'd'],
    [3600, 'h'],
    [60, 'm'],
  ];
  let rest = seconds;
  for (const [size, unit] of units) {
    const n = Math.floor(rest / size);
    if (n) return `${n}${unit}`;
    rest = rest % size;
  }
  const s = Math.floor(rest);
  if (s) return `${s}s`;
  const msLeft = Math.floor(ms % 1000);
  return msLeft ? `${msLeft}ms` : 'less than a millisecond';
}

/** pkg/tsdb/grafana-postgresql-datasource/macros.go `sExpr`: any `$name(...)` without a `)` inside. */
const MACRO = /\$([_a-zA-Z0-9]+)\(([^)]*)\)/g;

export function expandMacros(sql: string, context: Pick<GrafanaQueryContext, 'from' | 'to' | 'intervalMs'>): string {
  // sqleng's Interpolate runs first (the browser has usually replaced these already).
  let text = sql
    .split('$__interval_ms')
    .join(String(context.intervalMs))
    .split('$__interval')
    .join(formatInterval(context.intervalMs))
    .split('$__unixEpochFrom()')
    .join(String(Math.floor(context.from.getTime() / 1000)))
    .split('$__unixEpochTo()')
    .join(String(Math.floor(context.to.getTime() / 1000)));
  const original = text;
  text = text.replace(MACRO, (whole: string, name: string, rawArgs: string) => {
    let macro = name;
    // Pre-5.3 compatibility: `$__timeGroup(...)` directly followed by a comma gets the "time" alias.
    if (macro === '__timeGroup') {
      const at = original.indexOf(whole);
      if (at >= 0 && original[at + whole.length] === ',') macro = '__timeGroupAlias';
    }
    return evaluateMacro(
      macro,
      rawArgs.split(',').map((a) => a.trim()),
      context,
    );
  });
  return text;
}

function evaluateMacro(name: string, args: string[], context: Pick<GrafanaQueryContext, 'from' | 'to'>): string {
  const column = () => {
    if (args[0] === undefined || args[0] === '') throw new Error(`missing time column argument for macro ${name}`);
    return args[0];
  };
  const from = rfc3339Nano(context.from);
  const to = rfc3339Nano(context.to);
  switch (name) {
    case '__time':
      return `${column()} AS "time"`;
    case '__timeEpoch':
      return `extract(epoch from ${column()}) as "time"`;
    case '__timeFilter':
      return `${column()} BETWEEN '${from}' AND '${to}'`;
    case '__timeFrom':
      return `'${from}'`;
    case '__timeTo':
      return `'${to}'`;
    case '__timeGroup': {
      const seconds = groupSeconds(name, args);
      return `floor(extract(epoch from ${args[0]})/${goFloat(seconds)})*${goFloat(seconds)}`;
    }
    case '__timeGroupAlias':
      return `${evaluateMacro('__timeGroup', args, context)} AS "time"`;
    case '__unixEpochFilter':
      return `${column()} >= ${Math.floor(context.from.getTime() / 1000)} AND ${column()} <= ${Math.floor(context.to.getTime() / 1000)}`;
    case '__unixEpochGroup': {
      const seconds = groupSeconds(name, args);
      return `floor((${args[0]})/${goFloat(seconds)})*${goFloat(seconds)}`;
    }
    case '__unixEpochGroupAlias':
      return `${evaluateMacro('__unixEpochGroup', args, context)} AS "time"`;
    default:
      throw new Error(`unknown macro "${name}"`);
  }
}

function groupSeconds(name: string, args: string[]): number {
  if (args.length < 2) throw new Error(`macro ${name} needs time column and interval and optional fill value`);
  if (args.length === 3) throw new Error(`macro ${name}: fill values are not supported here`);
  return parseInterval((args[1] as string).replace(/^'+|'+$/g, '')) / 1000;
}

/** gtime.ParseInterval for the fixed-length units (`M` and `y` depend on the calendar and are refused). */
export function parseInterval(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(text);
  if (!m) throw new Error(`error parsing interval ${text}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}

/** Go's time.RFC3339Nano in UTC: trailing zeros of the fraction dropped, no fraction when it is zero. */
export function rfc3339Nano(date: Date): string {
  return date
    .toISOString()
    .replace(/\.?0+Z$/, 'Z')
    .replace(/\.Z$/, 'Z');
}

/** Go's `%v` of a float64 (`fmt.Println(1e6)` prints `1e+06`): shortest digits, exponent form below 1e-4 or from 1e6. */
export function goFloat(value: number): string {
  if (value === 0) return '0';
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  // strconv.FormatFloat(v, 'g', -1, 64) decides with precision 6 when the precision is the shortest one.
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(value);
}
