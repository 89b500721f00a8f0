import {
  expandGrafanaSql,
  expandMacros,
  formatInterval,
  goFloat,
  interpolateVariables,
  rfc3339Nano,
  type GrafanaQueryContext,
} from './grafana-sql';

const context: GrafanaQueryContext = {
  from: new Date('2026-11-20T00:00:00.000Z'),
  to: new Date('2026-11-22T06:30:00.250Z'),
  intervalMs: 300_000,
  variables: {
    model: { value: "o'brien" },
    version: { value: ['7', "8'x"], multi: true, includeAll: true },
    one: { value: 'a', multi: true },
  },
};

describe('Grafana variable interpolation (browser side)', () => {
  it('doubles quotes of a single-value variable and adds none', () => {
    expect(interpolateVariables("model = '$model'", context)).toBe("model = 'o''brien'");
  });

  it('quotes each value of a multi-value variable, comma-separated', () => {
    expect(interpolateVariables('version IN ($version)', context)).toBe("version IN ('7','8''x')");
    expect(interpolateVariables('x IN (${one})', context)).toBe("x IN ('a')");
  });

  it('knows the ${name}, [[name]] and ${name:format} spellings', () => {
    expect(interpolateVariables("'${model}' [[model]]", context)).toBe("'o''brien' o''brien");
    expect(interpolateVariables('${version:csv}', context)).toBe("7,8'x");
    expect(interpolateVariables('${version:sqlstring}', context)).toBe("'7','8''x'");
    expect(() => interpolateVariables('${version:percentencode}', context)).toThrow(/not supported/);
  });

  it('leaves names that are not variables as written, macros included', () => {
    expect(interpolateVariables("$__timeFilter(ts) AND x = '$nothing' AND y LIKE '$%'", context)).toBe(
      "$__timeFilter(ts) AND x = '$nothing' AND y LIKE '$%'",
    );
  });

  it('replaces the built-in interval and range variables', () => {
    expect(interpolateVariables('$__interval $__interval_ms $__from $__to', context)).toBe(
      `5m 300000 ${context.from.getTime()} ${context.to.getTime()}`,
    );
  });

  it('formats intervals with their largest unit, as Grafana does', () => {
    expect(formatInterval(300_000)).toBe('5m');
    expect(formatInterval(3_600_000)).toBe('1h');
    expect(formatInterval(90_000)).toBe('1m');
    expect(formatInterval(86_400_000 * 2)).toBe('2d');
    expect(formatInterval(20_000)).toBe('20s');
    expect(formatInterval(200)).toBe('200ms');
  });
});

describe('PostgreSQL macros (server side)', () => {
  it('expands $__timeFilter, $__timeFrom and $__timeTo to RFC 3339 literals in UTC', () => {
    expect(expandMacros('WHERE $__timeFilter(window_end)', context)).toBe(
      "WHERE window_end BETWEEN '2026-11-20T00:00:00Z' AND '2026-11-22T06:30:00.25Z'",
    );
    expect(expandMacros('$__timeFrom() < $__timeTo()', context)).toBe(
      "'2026-11-20T00:00:00Z' < '2026-11-22T06:30:00.25Z'",
    );
  });

  it('groups by epoch seconds, with or without the "time" alias', () => {
    expect(expandMacros("SELECT $__timeGroupAlias(ts, '5m'), 1", context)).toBe(
      'SELECT floor(extract(epoch from ts)/300)*300 AS "time", 1',
    );
    expect(expandMacros('GROUP BY $__timeGroup(ts, 1h)', context)).toBe(
      'GROUP BY floor(extract(epoch from ts)/3600)*3600',
    );
    // Before Grafana 5.3 $__timeGroup added the alias itself; a comma right after the macro still gets it.
    expect(expandMacros('SELECT $__timeGroup(ts,5m), v', context)).toBe(
      'SELECT floor(extract(epoch from ts)/300)*300 AS "time", v',
    );
  });

  it('expands the epoch macros and the remaining interval placeholders', () => {
    expect(expandMacros('$__unixEpochFilter(t)', context)).toBe(
      `t >= ${context.from.getTime() / 1000} AND t <= ${Math.floor(context.to.getTime() / 1000)}`,
    );
    expect(expandMacros('$__time(ts), $__timeEpoch(ts)', context)).toBe(
      'ts AS "time", extract(epoch from ts) as "time"',
    );
    expect(expandMacros('$__interval_ms / $__interval', context)).toBe('300000 / 5m');
  });

  it('refuses unknown macros and missing arguments, as Grafana does', () => {
    expect(() => expandMacros('$__timeFilterr(ts)', context)).toThrow(/unknown macro/);
    expect(() => expandMacros('$__timeFilter()', context)).toThrow(/missing time column/);
    expect(() => expandMacros('$__timeGroup(ts)', context)).toThrow(/needs time column and interval/);
    expect(() => expandMacros("$__timeGroup(ts, '5x')", context)).toThrow(/error parsing interval/);
  });

  it("formats numbers as Go's %v and times as Go's RFC3339Nano", () => {
    expect(goFloat(300)).toBe('300');
    expect(goFloat(604800)).toBe('604800');
    expect(goFloat(1_209_600)).toBe('1.2096e+06');
    expect(goFloat(0.5)).toBe('0.5');
    expect(rfc3339Nano(new Date('2026-01-01T00:00:00.100Z'))).toBe('2026-01-01T00:00:00.1Z');
  });
});

describe('both steps', () => {
  it('turns a panel query into the statement PostgreSQL receives', () => {
    expect(
      expandGrafanaSql(
        "SELECT $__timeGroupAlias(bucket_start, $__interval) FROM b WHERE model = '$model' AND version IN ($version) AND $__timeFilter(bucket_start)",
        context,
      ),
    ).toBe(
      `SELECT floor(extract(epoch from bucket_start)/300)*300 AS "time" FROM b WHERE model = 'o''brien' AND version IN ('7','8''x') AND bucket_start BETWEEN '2026-11-20T00:00:00Z' AND '2026-11-22T06:30:00.25Z'`,
    );
  });
});
