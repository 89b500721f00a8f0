/**
 * `vigil model list` and `vigil model show`: the fleet from a shell. They read the configuration's database as the
 * other store commands do, through the store's reads: the fleet summary each window row carries (migration 0027) for
 * the list, and the metric rows grouped per window as GET /api/models/:id/windows returns them for show.
 */
import { formatNumber } from '@vigil/alerts';
import { FEATURE_DRIFT_MEASURES, METRIC_NAMES, shellWord, VigilError, type VigilConfig } from '@vigil/core';
import type { FleetModel, LatestWindow, MetricRow, Store } from '@vigil/store';
import {
  closest,
  commandHelp,
  HELP_OPTION,
  instantOption,
  parseCommandArgs,
  type CommandOptions,
} from './command-args';
import { configArgument } from './alerting-session';
import { unknownModel } from './find-model';
import { EXIT, type CommandIo } from './command-io';
import { databaseTarget, openStore } from './database';
import type { Palette } from './palette';
import { groupWindows, type MetricWindow, type WindowMetric } from '../http/metric-windows';
import { csvCell } from '../write-csv';

const CONFIG = {
  type: 'string',
  short: 'c',
  value: 'FILE',
  help: 'the configuration, for its database and models',
} as const;

const LIST_USAGE = `Usage: vigil model list [-c vigil.yaml] [--json]

One line per model the database knows, and per configured model with no data yet (with -c): its versions (newest
first), whether it is paused, its latest analysed window (end, rows, labelled rows), the input features that
drifted in that window out of those with a PSI, the worst PSI and its feature, and its open incidents (firing,
acknowledged or silenced). The worst first: most open incidents, then the largest share of drifted features, then
the largest worst PSI, then by name.
`;

const LIST_OPTIONS = {
  config: CONFIG,
  json: { type: 'boolean', help: 'print a JSON array instead of lines' },
  help: HELP_OPTION,
} satisfies CommandOptions;

const SHOW_USAGE = `Usage: vigil model show MODEL [-c vigil.yaml] [--version V] [--from TIME] [--to TIME] [--metric NAME] [--feature F]
                        [--json | --csv]

Without --metric, --feature, --from or --to: the model's latest analysed window (of version V with --version), its
rows and its metrics (metric, feature, group, value and, where the row's details carry one, its interval; the rows
of a drifted feature marked). With any of them: the
series over time, one line per window and value, of the windows starting in [--from, --to) (default: the 24 hours
before --to, which defaults to now), as GET /api/models/MODEL/windows reads them.
`;

const SHOW_OPTIONS = {
  config: CONFIG,
  version: { type: 'string', value: 'V', help: 'only version V' },
  from: { type: 'string', value: 'TIME', help: 'windows starting at or after this ISO-8601 time' },
  to: { type: 'string', value: 'TIME', help: 'windows starting before this ISO-8601 time' },
  metric: { type: 'string', value: 'NAME', help: 'only metric NAME (psi, ece, rows, ...)' },
  feature: { type: 'string', value: 'F', help: 'only feature F ($score: the prediction)' },
  json: { type: 'boolean', help: 'print { model, from, to, windows } as GET /api/models/MODEL/windows does' },
  csv: {
    type: 'boolean',
    help: 'print CSV (RFC 4180): window_start,window_end,version,rows,labelled_rows,metric,feature,group,value,lower,upper',
  },
  help: HELP_OPTION,
} satisfies CommandOptions;

const DAY_MS = 86_400_000;

/** Opens the database the configuration (or VIGIL_DATABASE_URL, or ./.vigil/pglite) names, for `fn`. */
async function withStore<T>(
  io: CommandIo,
  configPath: string | undefined,
  fn: (store: Store, config: VigilConfig | undefined) => Promise<T>,
): Promise<T> {
  // Brokers optional: these commands read the database only, as incidents and audit do.
  const { target, config } = await databaseTarget(io, configPath, 'optional');
  const store = await openStore(target);
  try {
    return await fn(store, config);
  } finally {
    await store.close();
  }
}

/** A model as `vigil model list` shows it (and prints it with --json). */
interface ListedModel {
  model: string;
  versions: string[];
  /** In the configuration given with -c; null without -c. */
  configured: boolean | null;
  /** false: configured, but the database has nothing of it yet. */
  hasData: boolean;
  paused: boolean;
  latestWindow: {
    version: string;
    start: string;
    end: string;
    rows: number;
    labelledRows: number;
    psiFeatures: number;
    driftedFeatures: number | null;
    worstPsi: number | null;
    worstPsiFeature: string | null;
  } | null;
  /** The latest window's version's alert rules by state; null before any judged a window. */
  rules: { ok: number; firing: number; insufficientData: number } | null;
  openIncidents: number;
}

/** `vigil model list`. */
export async function modelListCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const what = 'vigil model list';
  const { values, positionals } = parseCommandArgs(what, {
    args: [...argv],
    allowPositionals: true,
    options: LIST_OPTIONS,
  });
  if (values.help) {
    io.stdout(commandHelp(LIST_USAGE, LIST_OPTIONS, io.color));
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new VigilError('VIGIL_USAGE', `${what}: unexpected argument "${positionals[0]}"`);
  return withStore(io, values.config, async (store, config) => {
    const [fleet, controls] = await Promise.all([store.models.fleet(), store.modelControls.list()]);
    const paused = new Set(controls.filter((c) => c.paused).map((c) => c.model));
    const configured = new Set(config?.models.map((m) => m.id) ?? []);
    const known = new Set(fleet.map((m) => m.model));
    const models: ListedModel[] = [
      ...fleet.map((m) => listed(m, config ? configured.has(m.model) : null, paused.has(m.model))),
      ...[...configured]
        .filter((id) => !known.has(id))
        .map((id) => ({
          model: id,
          versions: [],
          configured: true,
          hasData: false,
          paused: paused.has(id),
          latestWindow: null,
          rules: null,
          openIncidents: 0,
        })),
    ].sort(worstFirst);
    if (values.json) io.stdout(`${JSON.stringify(models, null, 2)}\n`);
    else if (models.length === 0)
      io.stdout(
        `No models${values.config === undefined ? ' in the database (-c vigil.yaml adds the configured ones)' : ''}.\n`,
      );
    else io.stdout(listTable(models, io.color));
    return EXIT.ok;
  });
}

function listed(m: FleetModel, configured: boolean | null, paused: boolean): ListedModel {
  const w = m.latest;
  return {
    model: m.model,
    versions: m.versions,
    configured,
    hasData: true,
    paused,
    latestWindow:
      w === null
        ? null
        : {
            version: w.version,
            start: iso(w.windowStart),
            end: iso(w.windowEnd),
            rows: w.rows,
            labelledRows: w.labelledRows,
            psiFeatures: w.psiFeatures,
            driftedFeatures: w.driftedFeatures,
            worstPsi: w.psiMax,
            worstPsiFeature: w.psiWorstFeature,
          },
    rules: m.rules,
    openIncidents: m.openIncidents,
  };
}

/** The share of a window's PSI features that drifted; -1 when it has none to judge (sorted after every share). */
function driftedShare(m: ListedModel): number {
  const w = m.latestWindow;
  if (w === null || w.driftedFeatures === null || w.psiFeatures === 0) return -1;
  return w.driftedFeatures / w.psiFeatures;
}

/** Most open incidents, then the largest drifted share, then the largest worst PSI, then by name. */
function worstFirst(a: ListedModel, b: ListedModel): number {
  return (
    b.openIncidents - a.openIncidents ||
    driftedShare(b) - driftedShare(a) ||
    (b.latestWindow?.worstPsi ?? -1) - (a.latestWindow?.worstPsi ?? -1) ||
    (a.model < b.model ? -1 : a.model > b.model ? 1 : 0)
  );
}

/** A cell of an aligned table: its text, and the colour it is printed in (after padding, so columns align). */
interface Cell {
  text: string;
  paint?: (text: string) => string;
}

/** Columns aligned as kubectl get does: a header, two spaces between columns, no trailing spaces. */
function alignedTable(header: readonly string[], rows: ReadonlyArray<readonly Cell[]>, color: Palette): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.text.length ?? 0)));
  const line = (cells: readonly Cell[]) =>
    cells
      .map((c, i) => {
        const padded = i === cells.length - 1 ? c.text : c.text.padEnd(widths[i] as number);
        return c.paint ? c.paint(padded) : padded;
      })
      .join('  ')
      .trimEnd();
  return `${line(header.map((h) => ({ text: h, paint: color.bold })))}\n${rows.map((r) => `${line(r)}\n`).join('')}`;
}

function listTable(models: readonly ListedModel[], color: Palette): string {
  const header = [
    'MODEL',
    'VERSIONS',
    'STATE',
    'LAST WINDOW END',
    'ROWS',
    'LABELLED',
    'DRIFTED',
    'WORST PSI',
    'RULES',
    'OPEN INCIDENTS',
  ];
  const rows = models.map((m): Cell[] => {
    const w = m.latestWindow;
    const shown = m.versions.slice(0, 3).join(',');
    const versions = m.versions.length > 3 ? `${shown},+${m.versions.length - 3}` : shown || '-';
    const state = m.paused ? 'paused' : m.hasData ? (w === null ? 'no window' : 'active') : 'no data';
    const drifted =
      w === null || w.psiFeatures === 0 ? '-' : `${formatNumber(w.driftedFeatures ?? 0)}/${w.psiFeatures}`;
    const worst =
      w === null || w.worstPsi === null ? '-' : `${w.worstPsiFeature ?? ''} ${formatNumber(w.worstPsi)}`.trim();
    return [
      { text: m.model },
      { text: versions },
      { text: state, ...(m.paused ? { paint: color.yellow } : m.hasData && w !== null ? {} : { paint: color.dim }) },
      { text: w === null ? '-' : w.end },
      { text: w === null ? '-' : String(w.rows) },
      { text: w === null ? '-' : String(w.labelledRows) },
      { text: drifted, ...((w?.driftedFeatures ?? 0) > 0 ? { paint: color.red } : {}) },
      { text: worst },
      rulesCell(m.rules, color),
      { text: String(m.openIncidents), ...(m.openIncidents > 0 ? { paint: color.red } : {}) },
    ];
  });
  return alignedTable(header, rows, color);
}

/**
 * `2 firing, 40 ok`: the states that have rules, firing first; `insufficient` (too few rows for minSamples) in
 * yellow when no rule could judge, as such a model never alerts however far it drifts.
 */
function rulesCell(rules: ListedModel['rules'], color: Palette): Cell {
  if (rules === null) return { text: '-' };
  const parts = [
    [rules.firing, 'firing'],
    [rules.insufficientData, 'insufficient'],
    [rules.ok, 'ok'],
  ] as const;
  const text = parts
    .filter(([n]) => n > 0)
    .map(([n, state]) => `${n} ${state}`)
    .join(', ');
  if (rules.firing > 0) return { text, paint: color.red };
  return rules.ok === 0 ? { text, paint: color.yellow } : { text };
}

interface ShowValues {
  config?: string;
  version?: string;
  from?: string;
  to?: string;
  metric?: string;
  feature?: string;
  json?: boolean;
  csv?: boolean;
  help?: boolean;
}

/** `vigil model show MODEL`. */
export async function modelShowCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const what = 'vigil model show';
  const { values: given, positionals } = parseCommandArgs(what, {
    args: [...argv],
    allowPositionals: true,
    options: SHOW_OPTIONS,
  });
  const values = given as ShowValues;
  if (values.help) {
    io.stdout(commandHelp(SHOW_USAGE, SHOW_OPTIONS, io.color));
    return EXIT.ok;
  }
  const [model, extra] = positionals;
  if (model === undefined)
    throw new VigilError(
      'VIGIL_USAGE',
      `${what}: the model id is required (see vigil model list${configArgument(values.config)})`,
    );
  if (extra !== undefined) throw new VigilError('VIGIL_USAGE', `${what}: one model at a time (got "${extra}" too)`);
  if (values.json && values.csv) throw new VigilError('VIGIL_USAGE', `${what}: give --json or --csv, not both`);
  if (values.metric !== undefined && !(METRIC_NAMES as readonly string[]).includes(values.metric)) {
    const guess = closest(values.metric, METRIC_NAMES);
    throw new VigilError(
      'VIGIL_USAGE',
      `${what}: no metric "${values.metric}"${guess === undefined ? ' (the metrics: docs/metrics.md, "Metric rows")' : `; did you mean "${guess}"?`}`,
    );
  }
  const from = instantOption(what, '--from', values.from);
  const to = instantOption(what, '--to', values.to);
  const series = values.metric !== undefined || values.feature !== undefined || from !== undefined || to !== undefined;
  return withStore(io, values.config, async (store, config) => {
    const stored = await store.models.list();
    const known = stored.find((m) => m.model === model);
    const configured = config?.models.some((m) => m.id === model) ?? false;
    if (known === undefined && !configured) {
      const ids = [...new Set([...stored.map((m) => m.model), ...(config?.models.map((m) => m.id) ?? [])])];
      throw unknownModel(what, model, `the database${config ? ' or the configuration' : ''}`, ids);
    }
    const versions = known?.versions ?? [];
    if (values.version !== undefined && !versions.includes(values.version))
      throw new VigilError(
        'VIGIL_NOT_FOUND',
        `${what}: model "${model}" has no version "${values.version}" in the database (versions: ${versions.join(', ') || 'none yet'})`,
      );
    const version = values.version;
    if (!series) {
      const latest = await store.metrics.latestWindow(model, version);
      if (latest === null) {
        if (values.json) io.stdout(`${JSON.stringify({ model, from: null, to: null, windows: [] }, null, 2)}\n`);
        else if (values.csv) io.stdout(`${CSV_HEADER}\n`);
        else io.stdout(`No analysed window of ${model}${version !== undefined ? ` version ${version}` : ''} yet.\n`);
        return EXIT.ok;
      }
      const window = await latestWindowRows(store, model, latest);
      if (values.json)
        io.stdout(
          `${JSON.stringify({ model, from: iso(latest.windowStart), to: iso(latest.windowEnd), windows: [window] }, null, 2)}\n`,
        );
      else if (values.csv) io.stdout(csvOf([window]));
      else {
        io.stdout(windowText(model, window, io.color));
        const drifted = driftedFeatures(window.metrics);
        const example = [...drifted][0] ?? latest.psiWorstFeature;
        if (example)
          io.info(
            `Over time: vigil model show ${shellWord(model)} --metric psi --feature ${shellWord(example)}${configArgument(values.config)}\n`,
          );
      }
      return EXIT.ok;
    }
    const until = to ?? Date.now();
    const since = from ?? until - DAY_MS;
    if (since > until) throw new VigilError('VIGIL_USAGE', `${what}: --from ${iso(since)} is after --to ${iso(until)}`);
    const query = { from: since, to: until, ...(version !== undefined ? { version } : {}) };
    const rows = (
      await store.metrics.rows(model, { ...query, ...(values.metric ? { metric: values.metric } : {}) })
    ).filter((r) => values.feature === undefined || r.feature === values.feature);
    const windows = groupWindows(rows);
    if (values.json) {
      io.stdout(`${JSON.stringify({ model, from: iso(since), to: iso(until), windows }, null, 2)}\n`);
      return EXIT.ok;
    }
    if (values.csv) {
      io.stdout(csvOf(windows));
      return EXIT.ok;
    }
    const range = `of ${model} starting from ${iso(since)} to ${iso(until)}`;
    if (windows.length === 0) {
      const asked = [
        version !== undefined ? `version ${version}` : '',
        values.metric !== undefined ? `metric ${values.metric}` : '',
        values.feature !== undefined ? `feature ${values.feature}` : '',
      ].filter((a) => a !== '');
      io.stdout(`No windows ${range}${asked.length > 0 ? ` with ${asked.join(', ')}` : ''}.\n`);
      return EXIT.ok;
    }
    // The drift verdicts of the same windows, to mark the values of a drifted feature.
    const verdicts =
      values.metric === undefined || values.metric === 'drifted'
        ? rows
        : rows.some((r) => r.feature !== '')
          ? await store.metrics.rows(model, { ...query, metric: 'drifted' })
          : [];
    const { about, table } = seriesText(rows, verdicts, io.color);
    io.stdout(
      `${windows.length} window${windows.length === 1 ? '' : 's'} ${range}${about.length > 0 ? ` (${about.join(', ')})` : ''}:\n${table}`,
    );
    return EXIT.ok;
  });
}

/** The rows of the latest window, grouped as GET /api/models/:id/windows groups them. */
async function latestWindowRows(store: Store, model: string, latest: LatestWindow): Promise<MetricWindow> {
  // Windows starting in [start, start + 1 ms) of its version: it, and any window of another length starting with it.
  const rows = await store.metrics.rows(model, {
    from: latest.windowStart,
    to: latest.windowStart + 1,
    version: latest.version,
  });
  const end = iso(latest.windowEnd);
  const window = groupWindows(rows).find((w) => w.end === end);
  if (window === undefined)
    throw new VigilError('VIGIL_INTERNAL', `the latest window of ${model} ends at ${end} but its rows were not read`);
  return window;
}

/** Features whose `drifted` value in these metrics is 1. */
function driftedFeatures(metrics: MetricWindow['metrics']): Set<string> {
  return new Set(
    metrics
      .filter((m) => m.metric === 'drifted' && m.feature !== null && m.value === 1)
      .map((m) => m.feature as string),
  );
}

/** Marked `drifted` beside a drifted feature's values: its drift measures, not its data quality (a missing rate of 0 was). */
const DRIFT_MEASURES: ReadonlySet<string> = new Set(FEATURE_DRIFT_MEASURES);

function windowText(model: string, w: MetricWindow, color: Palette): string {
  const drifted = driftedFeatures(w.metrics);
  const head = `${color.bold(model)}${w.version ? ` version ${w.version}` : ''}, window ${w.start} – ${w.end}: ${w.rows} rows, ${w.labelledRows} labelled; ${drifted.size} drifted feature${drifted.size === 1 ? '' : 's'}${drifted.size > 0 ? ` (${[...drifted].join(', ')})` : ''}\n`;
  const rows = w.metrics.map((m): Cell[] => {
    const isDrifted = m.feature !== null && drifted.has(m.feature) && DRIFT_MEASURES.has(m.metric);
    return [
      { text: m.metric },
      { text: m.feature ?? '-' },
      { text: m.group ?? '-' },
      { text: valueText(m.value, m.details) },
      { text: isDrifted ? 'drifted' : '', ...(isDrifted ? { paint: color.red } : {}) },
    ];
  });
  return `${head}${alignedTable(['METRIC', 'FEATURE', 'GROUP', 'VALUE', ''], rows, color)}`;
}

/**
 * One line per window and value, oldest first: the window's end and the value, with the version, metric, feature and
 * group in columns of their own only where the lines differ in them; `about` names the ones they share.
 */
function seriesText(
  rows: readonly MetricRow[],
  verdicts: readonly MetricRow[],
  color: Palette,
): { about: string[]; table: string } {
  const drifted = new Set(
    verdicts
      .filter((v) => v.metric === 'drifted' && v.feature !== '' && v.value === 1)
      .map((v) => `${v.version}\u0000${v.windowEnd}\u0000${v.feature}`),
  );
  const sorted = [...rows].sort((a, b) => a.windowEnd - b.windowEnd || a.windowStart - b.windowStart);
  const all = [
    ['VERSION', (r: MetricRow) => r.version || '-'],
    ['METRIC', (r: MetricRow) => r.metric],
    ['FEATURE', (r: MetricRow) => r.feature || '-'],
    ['GROUP', (r: MetricRow) => r.group || '-'],
  ] as const;
  const columns = all.filter(([, of]) => new Set(sorted.map(of)).size > 1);
  const about = all
    .filter((c) => !columns.includes(c))
    .map(([name, of]) => [name.toLowerCase(), of(sorted[0] as MetricRow)] as const)
    .filter(([, value]) => value !== '-')
    .map(([name, value]) => `${name} ${value}`);
  const table = sorted.map((r): Cell[] => {
    const isDrifted =
      r.feature !== '' &&
      DRIFT_MEASURES.has(r.metric) &&
      drifted.has(`${r.version}\u0000${r.windowEnd}\u0000${r.feature}`);
    return [
      { text: iso(r.windowEnd) },
      ...columns.map(([, of]) => ({ text: of(r) })),
      { text: valueText(r.value, r.details) },
      { text: isDrifted ? 'drifted' : '', ...(isDrifted ? { paint: color.red } : {}) },
    ];
  });
  return { about, table: alignedTable(['WINDOW END', ...columns.map(([name]) => name), 'VALUE', ''], table, color) };
}

const CSV_HEADER = 'window_start,window_end,version,rows,labelled_rows,metric,feature,group,value,lower,upper';

function csvOf(windows: readonly MetricWindow[]): string {
  const lines = [CSV_HEADER];
  for (const w of windows)
    for (const m of w.metrics) {
      const interval = intervalOf(m.details);
      lines.push(
        [
          w.start,
          w.end,
          w.version,
          String(w.rows),
          String(w.labelledRows),
          m.metric,
          m.feature ?? '',
          m.group ?? '',
          m.value === null ? '' : String(m.value),
          interval === undefined ? '' : String(interval[0]),
          interval === undefined ? '' : String(interval[1]),
        ]
          .map(csvCell)
          .join(','),
      );
    }
  return `${lines.join('\n')}\n`;
}

/**
 * The interval a row's details carry (docs/metrics.md, "Metric rows"): `ci` (a group's rate: its 95% Wilson interval),
 * `band` (an estimated performance: ± 3 sampling errors) or `lower` and `upper` (`overrideRate`, `auditErrorRate`:
 * their Wilson interval; `reconstructionError`: its band). Undefined when the details have none (or a null one).
 */
export function intervalOf(details: WindowMetric['details']): [number, number] | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const d = details as Record<string, unknown>;
  const pair = (lo: unknown, hi: unknown): [number, number] | undefined =>
    typeof lo === 'number' && typeof hi === 'number' ? [lo, hi] : undefined;
  for (const key of ['ci', 'band']) {
    const v = d[key];
    if (Array.isArray(v) && v.length === 2) return pair(v[0], v[1]);
  }
  return pair(d.lower, d.upper);
}

/** A value as the tables print it, its interval beside it: `0.4  [0.31, 0.49]`. */
const valueText = (v: number | null, details?: unknown): string => {
  if (v === null) return '-';
  const interval = intervalOf(details);
  return interval === undefined
    ? formatNumber(v)
    : `${formatNumber(v)}  [${formatNumber(interval[0])}, ${formatNumber(interval[1])}]`;
};
const iso = (ms: number): string => new Date(ms).toISOString();
