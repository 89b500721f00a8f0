/**
 * A Parquet number column of a file read beyond the memory budget, decoded from the Parquet file itself by the column
 * job that needs it: the file is already columnar, so `vigil report` neither decodes its feature columns while it
 * reads the file nor writes them to a spill file as float64 to read them back (8 bytes a value, 16 GB at 1,000,000
 * rows × 1,000 columns of both files). The job reads the column's chunk of every row group by offset and decodes it
 * once, with the typed page decoder (decision 0035). The functions are synchronous, for the analysis' column jobs;
 * {@link loadParquetColumnSource} loads the modules they need first, once per thread.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { SpilledColumn } from '@vigil/core';
import type { FileMetaData, SchemaTree } from 'hyparquet';
import { formatError } from './file-errors';
import {
  chunkRange,
  decodeLeafGroup,
  numericLeafPlanSync,
  pageModules,
  type NumericLeafPlan,
} from './parquet-numeric-leaf';

/** This module's file: the decoder a column left in its Parquet file names (`SpilledColumn.parquet.decoder`). */
export const PARQUET_COLUMN_DECODER = __filename;

interface Loaded {
  parquetMetadata: (bytes: Uint8Array) => FileMetaData;
  parquetSchema: (metadata: FileMetaData) => SchemaTree;
  compressors: unknown;
}

let loading: Promise<void> | undefined;
let loaded: Loaded | undefined;

/** Loads hyparquet and its codecs (ES modules) on this thread; the readers below need it done. */
export function loadParquetColumnSource(): Promise<void> {
  loading ??= Promise.all([import('hyparquet'), import('hyparquet-compressors'), pageModules()]).then(
    ([{ parquetMetadata, parquetSchema }, { compressors }]) => {
      loaded = { parquetMetadata, parquetSchema, compressors };
    },
  );
  return loading;
}

/** Whether `column` is read back from its Parquet file (else from a spill file). */
export function isParquetColumn(column: SpilledColumn): boolean {
  return column.parquet !== undefined;
}

interface OpenFile {
  fd: number;
  size: number;
  metadata: FileMetaData;
  plans: Map<string, NumericLeafPlan>;
}

/**
 * The files' descriptors and parsed footers, kept per thread: a column job reads one column of a file that has a
 * thousand, and parsing the footer each time would cost more than the column. Closed by {@link closeParquetColumnSources}.
 */
const files = new Map<string, OpenFile>();

/** The file's name in messages: as the user gave it. */
function nameOf(column: SpilledColumn): string {
  return column.parquet?.source ?? column.path;
}

function openFile(column: SpilledColumn): OpenFile {
  const { path } = column;
  const name = nameOf(column);
  let file = files.get(path);
  if (file !== undefined) return file;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw formatError(name, `cannot be opened again (${(error as Error).message})`);
  }
  try {
    const size = fstatSync(fd).size;
    const tail = readBytes(fd, Math.max(0, size - 8), size, name);
    const length = size >= 8 ? new DataView(tail.buffer).getUint32(0, true) : Number.NaN;
    if (!(length + 8 <= size)) throw formatError(name, 'not a Parquet file any more (it changed since it was read)');
    let metadata: FileMetaData;
    try {
      metadata = modules().parquetMetadata(readBytes(fd, size - length - 8, size, name));
    } catch (error) {
      throw formatError(name, `not a readable Parquet file any more (${(error as Error).message})`);
    }
    file = { fd, size, metadata, plans: new Map() };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  files.set(path, file);
  return file;
}

/** Closes the files this thread opened for their columns. */
export function closeParquetColumnSources(): void {
  for (const file of files.values()) closeSync(file.fd);
  files.clear();
}

function modules(): Loaded {
  if (loaded === undefined) throw new Error('a Parquet column was read before loadParquetColumnSource()');
  return loaded;
}

function planOf(column: SpilledColumn): { file: OpenFile; plan: NumericLeafPlan } {
  const file = openFile(column);
  const names = column.parquet!.column;
  const key = names.join('.');
  let plan = file.plans.get(key);
  if (plan === undefined) {
    plan = numericLeafPlanSync(file.metadata, [...names], modules().parquetSchema);
    const rows = plan?.groups.reduce((sum, group) => sum + group.rows, 0);
    if (plan === undefined || rows !== column.rows || plan.groups.some((group) => group.chunk === undefined))
      throw formatError(nameOf(column), `column "${key}" changed since the file was read`);
    file.plans.set(key, plan);
  }
  return { file, plan };
}

/**
 * Calls `fn` with each row group's values of the column in turn, from row group `first` on, in one array reused
 * while the groups are no larger than it (valid only during the call); `fn` returns false to stop.
 */
function forEachGroup(
  column: SpilledColumn,
  first: (groupStart: number, rows: number) => boolean,
  fn: (values: Float64Array, groupStart: number) => boolean,
): void {
  const { file, plan } = planOf(column);
  let buffer = new Float64Array(0);
  let groupStart = 0;
  for (let g = 0; g < plan.groups.length; g++) {
    const rows = plan.groups[g]!.rows;
    if (first(groupStart, rows)) {
      if (buffer.length < rows) buffer = new Float64Array(rows);
      const values = buffer.subarray(0, rows);
      decodeGroup(file, plan, g, values, column);
      if (!fn(values, groupStart)) return;
    }
    groupStart += rows;
  }
}

function decodeGroup(
  file: OpenFile,
  plan: NumericLeafPlan,
  g: number,
  into: Float64Array,
  column: SpilledColumn,
): void {
  const [start, end] = chunkRange(plan, g);
  if (end > file.size) throw formatError(nameOf(column), 'the file ends early (it changed since it was read)');
  const bytes = readBytes(file.fd, start, end, nameOf(column), true);
  const name = plan.path.join('.');
  let decoded: boolean;
  try {
    decoded = decodeLeafGroup(plan, g, bytes, into, 0, modules().compressors);
  } catch (error) {
    throw formatError(nameOf(column), `cannot decode Parquet column "${name}" (${(error as Error).message})`);
  }
  if (!decoded) throw formatError(nameOf(column), `cannot decode Parquet column "${name}" in row group ${g + 1}`);
}

/**
 * The whole column, decoded from its file (one value per row, NaN for null): into the start of `into` when it is long
 * enough (a report decodes 2,000 columns and keeps none), else a new array.
 */
export function readParquetColumn(column: SpilledColumn, into?: Float64Array): Float64Array {
  const { file, plan } = planOf(column);
  const values =
    into !== undefined && into.length >= column.rows ? into.subarray(0, column.rows) : new Float64Array(column.rows);
  let at = 0;
  for (let g = 0; g < plan.groups.length; g++) {
    const rows = plan.groups[g]!.rows;
    decodeGroup(file, plan, g, values.subarray(at, at + rows), column);
    at += rows;
  }
  return values;
}

/** Values [from, to) of the column into `into` (length to − from), decoding only the row groups that hold them. */
export function readParquetColumnRows(column: SpilledColumn, from: number, to: number, into: Float64Array): void {
  forEachGroup(
    column,
    (start, rows) => start < to && start + rows > from,
    (values, start) => {
      const lo = Math.max(from, start);
      const hi = Math.min(to, start + values.length);
      into.set(values.subarray(lo - start, hi - start), lo - from);
      return start + values.length < to;
    },
  );
}

/** Calls `fn` with the column's values in order, at most `size` at a time (valid only during the call). */
export function forEachParquetColumnPiece(
  column: SpilledColumn,
  size: number,
  fn: (values: Float64Array) => void,
): void {
  const piece = Math.max(1, size);
  forEachGroup(
    column,
    () => true,
    (values) => {
      for (let at = 0; at < values.length; at += piece) fn(values.subarray(at, Math.min(values.length, at + piece)));
      return true;
    },
  );
}

/** Per thread: the bytes of the chunk being decoded, in one buffer that only grows (a chunk is decoded at once). */
let scratch = new Uint8Array(0);

/** Bytes [start, end) of the file; `reuse`: in the thread's scratch buffer, valid until the next call. */
function readBytes(fd: number, start: number, end: number, path: string, reuse = false): Uint8Array {
  const length = end - start;
  if (reuse && scratch.length < length) scratch = new Uint8Array(Math.max(length, scratch.length * 2));
  const bytes = reuse ? scratch.subarray(0, length) : new Uint8Array(length);
  for (let got = 0; got < bytes.length;) {
    const read = readSync(fd, bytes, got, bytes.length - got, start + got);
    if (read === 0) throw formatError(path, 'the file ends early (it changed since it was read)');
    got += read;
  }
  return bytes;
}
