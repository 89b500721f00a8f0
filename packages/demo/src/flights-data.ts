/**
 * The flights of `vigil demo`: `data/flights-3m.parquet` of the npm package `vega-datasets` (3 million US
 * flights, January–June 2001, sorted by departure time). The model sees what is known when a flight is
 * scheduled — hour, day of week, distance, origin, destination — and predicts whether it leaves more than 15
 * minutes late. Airports outside the January top N become "other", the way a model fixes its vocabulary at
 * training time.
 */
import { dirname, join } from 'node:path';
import { VigilError, type CategoricalColumn, type NumericColumn, type Table } from '@vigil/core';
import { readTable } from '@vigil/collector';

export const FLIGHT_FEATURES = [
  { name: 'hour', kind: 'numeric' },
  { name: 'dayOfWeek', kind: 'categorical' },
  { name: 'distance', kind: 'numeric' },
  { name: 'origin', kind: 'categorical' },
  { name: 'destination', kind: 'categorical' },
] as const;

/** A flight is "delayed" past this many minutes (the US DOT's on-time definition). */
export const DELAY_MINUTES = 15;
const OTHER = 'other';
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The flights as the demo uses them: one row per flight, in departure order. */
export interface Flights {
  rows: number;
  /** Departure time, epoch ms (the file's local times, read as UTC). */
  ts: Float64Array;
  hour: Float64Array;
  /** Index into DAYS. */
  day: Uint8Array;
  distance: Float64Array;
  /** Codes into `airports` (January's top N, then "other" last). */
  origin: Int32Array;
  destination: Int32Array;
  airports: { origin: string[]; destination: string[] };
  /** 1 when delayed past DELAY_MINUTES, 0 when not, NaN when the delay is unknown. */
  label: Float64Array;
  /** First row of February: rows before it are January. */
  februaryStart: number;
  source: string;
}

/** The Parquet file of the vega-datasets package this checkout installed. */
export function flightsPath(): string {
  let entry: string;
  try {
    entry = require.resolve('vega-datasets');
  } catch (error) {
    throw new VigilError(
      'VIGIL_FILE_NOT_FOUND',
      'the npm package vega-datasets is not installed (run bash scripts/setup.sh); pass --data FILE to use another copy',
      { cause: error },
    );
  }
  // The package exports only its JS entry (build/index.js); the data folder sits next to build/.
  return join(dirname(entry), '..', 'data', 'flights-3m.parquet');
}

export async function loadFlights(path: string, topAirports: number): Promise<Flights> {
  const { table } = await readTable(path, {
    columns: ['date', 'delay', 'distance', 'origin', 'destination'],
    types: {
      date: 'numeric',
      delay: 'numeric',
      distance: 'numeric',
      origin: 'categorical',
      destination: 'categorical',
    },
  });
  const date = numeric(table, 'date');
  const delay = numeric(table, 'delay');
  const rows = table.rowCount;
  const februaryStart = firstAtOrAfter(date, Date.UTC(2001, 1, 1));
  const ts = new Float64Array(rows);
  const hour = new Float64Array(rows);
  const day = new Uint8Array(rows);
  const label = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const t = date[i] as number;
    if (i > 0 && t < (ts[i - 1] as number))
      throw new VigilError(
        'VIGIL_BAD_VALUE',
        `${path}: flights are expected in departure order (row ${i} goes back in time)`,
      );
    ts[i] = t;
    const d = new Date(t);
    hour[i] = d.getUTCHours() + d.getUTCMinutes() / 60;
    day[i] = d.getUTCDay();
    const minutes = delay[i] as number;
    label[i] = Number.isNaN(minutes) ? Number.NaN : minutes > DELAY_MINUTES ? 1 : 0;
  }
  const origin = topCodes(categorical(table, 'origin'), februaryStart, topAirports);
  const destination = topCodes(categorical(table, 'destination'), februaryStart, topAirports);
  return {
    rows,
    ts,
    hour,
    day,
    distance: Float64Array.from(numeric(table, 'distance')),
    origin: origin.codes,
    destination: destination.codes,
    airports: { origin: origin.names, destination: destination.names },
    label,
    februaryStart,
    source: path,
  };
}

/** The rows `rows` of the flights as a table of the model's inputs (plus `label`, and `score` when given). */
export function flightsTable(
  flights: Flights,
  rows: readonly number[] | Int32Array,
  source: string,
  score?: Float64Array,
): Table {
  const pick = (values: Float64Array): Float64Array => Float64Array.from(rows, (i) => values[i] as number);
  const columns: Array<NumericColumn | CategoricalColumn> = [
    { name: 'hour', kind: 'numeric', values: pick(flights.hour) },
    {
      name: 'dayOfWeek',
      kind: 'categorical',
      categories: DAYS,
      codes: Int32Array.from(rows, (i) => flights.day[i] as number),
    },
    { name: 'distance', kind: 'numeric', values: pick(flights.distance) },
    {
      name: 'origin',
      kind: 'categorical',
      categories: flights.airports.origin,
      codes: Int32Array.from(rows, (i) => flights.origin[i] as number),
    },
    {
      name: 'destination',
      kind: 'categorical',
      categories: flights.airports.destination,
      codes: Int32Array.from(rows, (i) => flights.destination[i] as number),
    },
    { name: 'label', kind: 'numeric', values: pick(flights.label) },
  ];
  if (score) columns.push({ name: 'score', kind: 'numeric', values: score });
  return { source, rowCount: rows.length, columns: new Map(columns.map((c) => [c.name, c])) };
}

export function dayName(day: number): string {
  return DAYS[day] as string;
}

/** Codes into January's `top` most frequent categories, with every other category (and missing) as "other". */
function topCodes(column: CategoricalColumn, januaryEnd: number, top: number): { codes: Int32Array; names: string[] } {
  const counts = new Float64Array(column.categories.length);
  for (let i = 0; i < januaryEnd; i++) {
    const c = column.codes[i] as number;
    if (c >= 0) counts[c]! += 1;
  }
  const ranked = column.categories
    .map((name, code) => ({ name, code, n: counts[code] as number }))
    .filter((c) => c.n > 0)
    .sort((a, b) => b.n - a.n || (a.name < b.name ? -1 : 1))
    .slice(0, top);
  const names = [...ranked.map((c) => c.name), OTHER];
  const map = new Int32Array(column.categories.length).fill(names.length - 1);
  ranked.forEach((c, i) => (map[c.code] = i));
  const codes = Int32Array.from(column.codes, (c) => (c < 0 ? names.length - 1 : (map[c] as number)));
  return { codes, names };
}

function firstAtOrAfter(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function numeric(table: Table, name: string): Float64Array {
  const c = table.columns.get(name);
  if (c?.kind !== 'numeric')
    throw new VigilError('VIGIL_UNKNOWN_COLUMN', `${table.source}: no numeric column "${name}"`);
  return c.values;
}

function categorical(table: Table, name: string): CategoricalColumn {
  const c = table.columns.get(name);
  if (c?.kind !== 'categorical')
    throw new VigilError('VIGIL_UNKNOWN_COLUMN', `${table.source}: no categorical column "${name}"`);
  return c;
}
