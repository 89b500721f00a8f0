import type { Column, FeatureKind } from '@vigil/core';
import { ColumnBuilder } from './column-builder';
import { badValueError, emptyFileError, formatError, requireColumns } from './file-errors';
import { isMissingText } from './missing-values';
import { parseNumberText } from './parse-number';
import type { ReadTableOptions, ReadTableResult } from './read-table-options';

/** Keys whose object value is spread into its own keys, so a file of prediction events reads as its features. */
const SPREAD_KEYS = new Set(['features', 'groups']);

/**
 * Reads newline-delimited JSON objects into a table. `features` and `groups` objects are flattened into their
 * keys (`features.age` becomes column `age`), other objects into dotted names (`meta.region`); a line lacking a
 * key is missing in that column. JSON numbers are numeric, booleans 1/0, null missing; a string makes an
 * inferred column categorical, and in a column given as numeric it is parsed as a CSV cell would be.
 */
export function readNdjson(bytes: Uint8Array, source: string, options: ReadTableOptions = {}): ReadTableResult {
  const wanted = options.columns === undefined ? undefined : new Set(options.columns);
  const types = options.types ?? {};
  /** Every flattened name seen, with null for those skipped. */
  const columns = new Map<string, ColumnBuilder | null>();
  /** The row a builder last received a value for, to catch two keys flattened to one name. */
  const filledRow = new Map<ColumnBuilder, number>();
  const capacity = estimateRows(bytes);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let rows = 0;
  let line = 0;
  let pos = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;

  const store = (name: string, path: string, value: unknown): void => {
    let builder = columns.get(name);
    if (builder === undefined) {
      builder = wanted === undefined || wanted.has(name) ? new ColumnBuilder(name, types[name], capacity) : null;
      columns.set(name, builder);
    }
    if (builder === null) return;
    if (filledRow.get(builder) === rows) {
      throw formatError(source, `"${path}" and another key both give column "${name}"`, line);
    }
    filledRow.set(builder, rows);
    builder.padTo(rows);
    if (value === null || value === undefined) {
      builder.pushMissing();
    } else if (typeof value === 'number') {
      if (builder.kind === 'numeric') builder.pushNumber(value);
      else builder.pushString(String(value));
    } else if (typeof value === 'boolean') {
      builder.pushBoolean(value);
    } else if (typeof value === 'string') {
      if (builder.given === 'numeric') {
        const number = isMissingText(value) ? Number.NaN : parseNumberText(value);
        if (Number.isNaN(number) && !isMissingText(value)) throw badValueError(`${source}:${line}`, name, value);
        builder.pushNumber(number);
      } else {
        builder.toCategorical();
        builder.pushString(value);
      }
    } else {
      throw formatError(source, `"${path}" is an array, which cannot be a column`, line);
    }
  };

  /** `prefix` builds the column name, `pathPrefix` the key's full path for messages. */
  const flatten = (object: Record<string, unknown>, prefix: string, pathPrefix: string): void => {
    for (const key of Object.keys(object)) {
      const value = object[key];
      const name = prefix + key;
      const path = pathPrefix + key;
      if (isObject(value)) flatten(value, pathPrefix === '' && SPREAD_KEYS.has(key) ? '' : `${name}.`, `${path}.`);
      else store(name, path, value);
    }
  };

  while (pos < bytes.length) {
    let end = bytes.indexOf(0x0a, pos);
    if (end < 0) end = bytes.length;
    line++;
    const text = buffer.toString('utf8', pos, end);
    pos = end + 1;
    if (text.trim().length === 0) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw formatError(source, `not valid JSON (${(error as Error).message})`, line);
    }
    if (!isObject(parsed)) throw formatError(source, 'each line must be one JSON object', line);
    flatten(parsed, '', '');
    rows++;
  }
  if (rows === 0) throw emptyFileError(source, 'the file has no JSON lines');

  const names = [...columns.keys()];
  requireColumns(source, names, options.columns);
  const table = new Map<string, Column>();
  const inferred: Record<string, FeatureKind> = {};
  for (const name of options.columns ?? names) {
    const builder = columns.get(name)!;
    builder.padTo(rows);
    table.set(name, builder.build());
    if (builder.given === undefined) inferred[name] = builder.kind;
  }
  return { table: { source, rowCount: rows, columns: table }, inferred };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function estimateRows(bytes: Uint8Array): number {
  const sampleEnd = Math.min(bytes.length, 65536);
  let lines = 0;
  for (let i = 0; i < sampleEnd; i++) if (bytes[i] === 0x0a) lines++;
  if (sampleEnd === bytes.length) return lines + 1;
  return (bytes.length / sampleEnd) * Math.max(1, lines) * 1.02 + 16;
}
