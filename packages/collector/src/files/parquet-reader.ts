import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Column, FeatureKind, SpilledColumn } from '@vigil/core';
import type { ColumnData, FileMetaData, ParquetParsers, SchemaTree } from 'hyparquet';
import { ColumnBuilder } from './column-builder';
import { badValueError, emptyFileError, formatError, requireColumns } from './file-errors';
import { isMissingText } from './missing-values';
import { parseNumberText } from './parse-number';
import { openRegularFile } from './regular-file';
import type { ReadTableOptions, ReadTableResult } from './read-table-options';
import { PARQUET_COLUMN_DECODER } from './parquet-column-source';
import { type ChunkedFile, numericLeafPlan, readNumericLeaf } from './parquet-numeric-leaf';
import { SpillWriter } from './spill-writer';

/** Struct columns spread into their fields, as in NDJSON, so an event log written as Parquet reads the same. */
const SPREAD_KEYS = new Set(['features', 'groups']);

/** Dates and timestamps become epoch milliseconds, JSON stays text: every cell is a number or a string. */
const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (millis) => Number(millis),
  timestampFromMicroseconds: (micros) => Number(micros) / 1000,
  timestampFromNanoseconds: (nanos) => Number(nanos / 1000n) / 1000,
  dateFromDays: (days) => days * 86_400_000,
  jsonFromBytes: (bytes) => (bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8')),
};

const NUMERIC_PHYSICAL = new Set(['BOOLEAN', 'INT32', 'INT64', 'INT96', 'FLOAT', 'DOUBLE']);

interface Leaf {
  name: string;
  /** Path below the top-level column; empty for a flat column. */
  path: string[];
  kind: FeatureKind;
  builder: ColumnBuilder | null;
  /** Index in the spill file when the column is written there after it is read (`options.spill`), else -1. */
  spill: number;
}

/**
 * Reads a Parquet file column by column (no row objects) with hyparquet and its codecs (ZSTD, Snappy, gzip,
 * Brotli, LZ4). Numbers, booleans (1/0), decimals, dates and timestamps (epoch milliseconds) are numeric; strings
 * are categorical; null is missing. Struct columns are flattened; list and map columns are skipped unless asked
 * for, which is an error.
 */
export async function readParquet(
  handle: FileHandle | Uint8Array,
  size: number,
  source: string,
  options: ReadTableOptions = {},
  /** The file's path, when it is a file that can be opened again: its spilled number columns are then left in it. */
  path?: string,
): Promise<ReadTableResult> {
  // Loaded here rather than at the top: hyparquet and its codecs take ~0.1 s to load, which every `vigil report`
  // (and each of its file-reading worker threads) paid even when both files were CSV.
  const [{ parquetMetadataAsync, parquetRead, parquetSchema }, { compressors }] = await Promise.all([
    import('hyparquet'),
    import('hyparquet-compressors'),
  ]);
  const file = fileBuffer(handle, size);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file, { parsers: PARSERS });
  } catch (error) {
    // A file that starts as Parquet but does not end with the magic was cut short (a copy or a download stopped
    // midway), which hyparquet's "parquet file invalid (footer != PAR1)" leaves the user to work out.
    const reason = (error as Error).message;
    throw formatError(
      source,
      /footer != PAR1/.test(reason)
        ? 'not a whole Parquet file: it does not end with the Parquet footer (was it cut short?)'
        : `not a readable Parquet file (${reason})`,
    );
  }
  const rows = Number(metadata.num_rows);
  const leaves = new Map<string, Leaf[]>();
  const available: string[] = [];
  const unsupported = new Set<string>();
  for (const child of parquetSchema(metadata).children) {
    const top = child.element.name;
    const found: Leaf[] = [];
    collectLeaves(child, top, [], SPREAD_KEYS.has(top) ? '' : `${top}.`, found, unsupported);
    for (const leaf of found) {
      if (available.includes(leaf.name)) throw formatError(source, `two columns are both named "${leaf.name}"`);
      available.push(leaf.name);
    }
    leaves.set(top, found);
  }
  const asked = options.columns?.find((name) => unsupported.has(name));
  if (asked !== undefined) throw formatError(source, `column "${asked}" is a list or map, which cannot be read`);
  requireColumns(source, available, options.columns);
  if (rows === 0) throw emptyFileError(source, 'the file has no rows');

  const wanted = options.columns === undefined ? undefined : new Set(options.columns);
  const keep = new Set(options.spill?.keep ?? []);
  const builders = new Map<string, ColumnBuilder>();
  const read: string[] = [];
  const spilledNames: string[] = [];
  // Beyond the budget, a flat number column of a file on disk is not read now at all: the column job that analyses
  // it decodes it from the file's column chunks (parquet-column-source.ts), once. Its kind is the schema's.
  const inPlace: Record<string, SpilledColumn> = {};
  const leaveInPlace = options.spill?.leaveParquet === true && path !== undefined;
  for (const [top, found] of leaves) {
    for (const leaf of found) {
      if (wanted !== undefined && !wanted.has(leaf.name)) continue;
      const kind = options.types?.[leaf.name] ?? leaf.kind;
      leaf.builder = new ColumnBuilder(leaf.name, kind, 0);
      builders.set(leaf.name, leaf.builder);
      if (leaveInPlace && !keep.has(leaf.name) && fastLeaf(found) === leaf) {
        const plan = await numericLeafPlan(metadata, [top]);
        if (plan !== undefined && plan.groups.every((group) => group.chunk !== undefined)) {
          inPlace[leaf.name] = {
            path: resolve(path),
            rows,
            segments: [],
            parquet: { column: [top], decoder: PARQUET_COLUMN_DECODER, source },
          };
          leaf.builder = null;
          continue;
        }
      }
      // A spilled column is given its rows only while it is read, then written out and dropped.
      if (options.spill !== undefined && kind === 'numeric' && !keep.has(leaf.name))
        leaf.spill = spilledNames.push(leaf.name) - 1;
      else leaf.builder.reserve(rows, !(kind === 'numeric' && leaf.path.length === 0 && found.length === 1));
    }
    if (found.some((leaf) => leaf.builder !== null)) read.push(top);
  }
  // No spill file at all when every spilled column stays in the Parquet file.
  const spill =
    options.spill !== undefined && spilledNames.length > 0
      ? new SpillWriter(options.spill.path, spilledNames, 0)
      : undefined;
  try {
    const scratch: ColumnBuilder[] = [];
    let failure: unknown;
    let failureRowStart = Infinity;
    // hyparquet may hand a column's pages over out of row order (their decompression is asynchronous), so the error
    // kept is the one of the earliest chunk: a file with several bad values names its first bad row, every time.
    const onChunk = (chunk: ColumnData): void => {
      try {
        for (const leaf of leaves.get(chunk.columnName) ?? []) {
          if (leaf.builder !== null) fill(leaf, chunk, source);
        }
      } catch (error) {
        if (chunk.rowStart < failureRowStart) {
          failure = error;
          failureRowStart = chunk.rowStart;
        }
      }
    };
    // One column at a time: hyparquet holds a decoded chunk as a JS array, so reading every column at once would
    // hold the whole file as boxed values (over a gigabyte for a million rows of two dozen columns).
    for (const top of read) {
      const spilling = (leaves.get(top) ?? []).filter((leaf) => leaf.spill >= 0 && leaf.builder !== null);
      // Spilled columns are read into one reused array each in turn (a struct's fields into arrays of their own).
      for (const [i, leaf] of spilling.entries()) {
        scratch[i] ??= new ColumnBuilder('', 'numeric', 0);
        leaf.builder = scratch[i];
        leaf.builder.reserve(rows, !fastLeaf(leaves.get(top) ?? []));
      }
      try {
        // A flat number column is decoded page by page into its array; anything else, or a page layout the fast
        // path does not take, goes through parquetRead (the column is reset to missing first).
        const leaf = fastLeaf(leaves.get(top) ?? []);
        const fast =
          leaf !== undefined &&
          (await readNumericLeaf(file, metadata, [top], leaf.builder!.reservedValues(), compressors));
        if (!fast) {
          if (leaf !== undefined) leaf.builder!.reserve(rows);
          await parquetRead({ file, metadata, columns: [top], compressors, parsers: PARSERS, onChunk });
        }
      } catch (error) {
        throw formatError(source, `cannot decode Parquet column "${top}" (${(error as Error).message})`);
      }
      if (failure !== undefined) throw failure;
      for (const leaf of spilling) {
        const column = leaf.builder!.build();
        if (column.kind === 'numeric') spill!.appendColumn(leaf.spill, column.values);
        leaf.builder = builders.get(leaf.name)!;
      }
    }

    const columns = new Map<string, Column>();
    const inferred: Record<string, FeatureKind> = {};
    const written = spill?.finish();
    const spilled = options.spill !== undefined ? { ...written, ...inPlace } : undefined;
    for (const name of options.columns ?? available) {
      const builder = builders.get(name)!;
      columns.set(name, spilled?.[name] ? { name, kind: 'numeric', values: new Float64Array(0) } : builder.build());
      if (options.types?.[name] === undefined) inferred[name] = builder.kind;
    }
    return { table: { source, rowCount: rows, columns }, inferred, ...(spilled ? { spilled } : {}) };
  } finally {
    spill?.close();
  }
}

/** The leaf of a flat numeric column, which readNumericLeaf may read: it writes every row or returns false. */
function fastLeaf(found: Leaf[]): Leaf | undefined {
  const leaf = found.length === 1 ? found[0]! : undefined;
  return leaf !== undefined && leaf.path.length === 0 && leaf.builder?.kind === 'numeric' ? leaf : undefined;
}

function collectLeaves(
  node: SchemaTree,
  top: string,
  path: string[],
  prefix: string,
  out: Leaf[],
  unsupported: Set<string>,
): void {
  const { element } = node;
  const name = path.length === 0 ? top : prefix + path.join('.');
  const nested =
    element.converted_type === 'LIST' ||
    element.converted_type === 'MAP' ||
    element.converted_type === 'MAP_KEY_VALUE' ||
    element.logical_type?.type === 'LIST' ||
    element.logical_type?.type === 'MAP' ||
    element.repetition_type === 'REPEATED';
  if (nested) {
    unsupported.add(name);
    return;
  }
  if (node.children.length === 0) {
    out.push({ name, path, kind: kindOf(node), builder: null, spill: -1 });
    return;
  }
  for (const child of node.children) collectLeaves(child, top, [...path, child.element.name], prefix, out, unsupported);
}

function kindOf(node: SchemaTree): FeatureKind {
  const { type, converted_type: converted, logical_type: logical } = node.element;
  if (converted === 'DECIMAL' || logical?.type === 'DECIMAL' || logical?.type === 'FLOAT16') return 'numeric';
  return type !== undefined && NUMERIC_PHYSICAL.has(type) ? 'numeric' : 'categorical';
}

function fill(leaf: Leaf, chunk: ColumnData, source: string): void {
  const builder = leaf.builder!;
  const data = chunk.columnData;
  const numeric = builder.kind === 'numeric';
  for (let i = 0; i < data.length; i++) {
    let value: unknown = data[i];
    for (const key of leaf.path) value = (value as Record<string, unknown> | null | undefined)?.[key];
    if (value === null || value === undefined) continue;
    const row = chunk.rowStart + i;
    if (numeric) {
      builder.setNumber(row, toNumber(value, leaf.name, row, source));
    } else {
      builder.setString(row, toText(value));
    }
  }
}

function toNumber(value: unknown, column: string, row: number, source: string): number {
  switch (typeof value) {
    case 'number':
      return value;
    case 'bigint':
      return Number(value);
    case 'boolean':
      return value ? 1 : 0;
    case 'string': {
      if (isMissingText(value)) return Number.NaN;
      const number = parseNumberText(value);
      if (Number.isNaN(number)) throw badValueError(`${source}: row ${row + 1}`, column, value);
      return number;
    }
    default:
      if (value instanceof Date) return value.getTime();
      throw badValueError(`${source}: row ${row + 1}`, column, toText(value));
  }
}

function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (typeof value === 'object')
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  return String(value);
}

/**
 * Reads only the byte ranges hyparquet asks for, so a large file is never held whole in memory. A pipe cannot be
 * read at an offset: its bytes arrive whole (`readTable`) and are sliced.
 */
function fileBuffer(handle: FileHandle | Uint8Array, size: number): ChunkedFile {
  if (handle instanceof Uint8Array) {
    const bytes = handle;
    return {
      byteLength: size,
      slice: async (start, end) => bytes.slice(start, end ?? size).buffer,
      readChunk: async (start, end) => bytes.subarray(start, end),
    };
  }
  // Read on this thread, not queued to libuv's pool: a 1,000-column file is ~2,000 column chunks, and each queued read
  // was a round trip between threads, which on a loaded machine waits for both to be scheduled again (seconds in
  // all). The file is a regular file (a pipe's bytes arrive whole, above); the thread reads or decodes, nothing else.
  const readInto = async (target: Uint8Array, start: number): Promise<void> => {
    let done = 0;
    while (done < target.length) {
      const bytesRead = readSync(handle.fd, target, done, target.length - done, start + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
  };
  // readNumericLeaf's column chunks, one after the other, go through one buffer that only grows.
  let scratch = new Uint8Array(0);
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const buffer = new Uint8Array((end ?? size) - start);
      await readInto(buffer, start);
      return buffer.buffer;
    },
    async readChunk(start: number, end: number): Promise<Uint8Array> {
      const length = end - start;
      if (scratch.length < length) scratch = new Uint8Array(Math.max(length, scratch.length * 2));
      const view = scratch.subarray(0, length);
      await readInto(view, start);
      return view;
    },
  };
}

/**
 * Bytes a Parquet file's values take decoded as float64 (rows × leaf columns × 8), from its footer alone: what
 * `vigil report` weighs against its memory budget before it reads the file, since the file's own size says little
 * (its pages are encoded and compressed: 4 GB on disk for 8 GB of doubles). Undefined for a file that is not Parquet
 * or whose footer does not parse, which the reader then reports in its own words.
 */
export async function parquetDecodedBytes(path: string): Promise<number | undefined> {
  const { parquetMetadataAsync } = await import('hyparquet');
  let handle: FileHandle | undefined;
  try {
    // Only a regular file has a footer to read ahead; a FIFO (`--current <(…)`) is not opened (openRegularFile).
    const file = await openRegularFile(path);
    if (file === undefined) return undefined;
    handle = file.handle;
    const { stats } = file;
    if (stats.size < 12) return undefined;
    const magic = Buffer.alloc(4);
    await handle.read(magic, 0, 4, 0);
    if (magic.toString('latin1') !== 'PAR1') return undefined;
    const metadata = await parquetMetadataAsync(fileBuffer(handle, stats.size));
    const leaves = metadata.schema.filter((element) => !element.num_children).length;
    return Number(metadata.num_rows) * leaves * 8;
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}
