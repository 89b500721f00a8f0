import { compositeKey, type Column, type FeatureKind } from '@vigil/core';
import { ColumnBuilder } from './column-builder';
import { badValueError, emptyFileError, formatError, requireColumns } from './file-errors';
import { isMissingText } from './missing-values';
import { parseNumberText } from './parse-number';
import type { ReadTableOptions, ReadTableResult } from './read-table-options';

/** Keys whose object value is spread into its own keys, so a file of prediction events reads as its features. */
const SPREAD_KEYS = new Set(['features', 'groups']);

/** The keys a label event may have (docs/events.md, "Label event"): a line with only these, `id` and `label` among them, is one. */
const LABEL_EVENT_KEYS = new Set(['model', 'id', 'label', 'ts', 'version']);

/**
 * Reads newline-delimited JSON objects into a table. `features` and `groups` objects are flattened into their
 * keys (`features.age` becomes column `age`), other objects into dotted names (`meta.region`); a line lacking a
 * key is missing in that column. JSON numbers are numeric, booleans 1/0, null missing; a string makes an
 * inferred column categorical, and in a column given as numeric it is parsed as a CSV cell would be.
 *
 * Label events (`{ model, id, label, ts }` lines, as `vigil run --source` reads them beside the predictions) are not
 * rows: each is joined to the prediction of the same model and id and becomes its `label`, as the daemon joins
 * them; labels that match no prediction are counted in the result's notes.
 */
export function readNdjson(bytes: Uint8Array, source: string, options: ReadTableOptions = {}): ReadTableResult {
  const wanted = options.columns === undefined ? undefined : new Set(options.columns);
  const types = options.types ?? {};
  /** Every flattened name seen, with null for those skipped. */
  const columns = new Map<string, ColumnBuilder | null>();
  /** The row a builder last received a value for, to catch two keys flattened to one name. */
  const filledRow = new Map<ColumnBuilder, number>();
  /** The path and value a builder last received: a feature that is also a group attribute comes twice, alike. */
  const filledBy = new Map<ColumnBuilder, { path: string; value: unknown }>();
  const capacity = estimateRows(bytes);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let rows = 0;
  let line = 0;
  /** model + id of every row, and the label events by model + id (the last one wins, as a correction would). */
  const rowKeys: string[] = [];
  const labelEvents = new Map<string, { label: unknown; line: number }>();
  let pos = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;

  const store = (name: string, path: string, value: unknown): void => {
    let builder = columns.get(name);
    if (builder === undefined) {
      builder = wanted === undefined || wanted.has(name) ? new ColumnBuilder(name, types[name], capacity) : null;
      columns.set(name, builder);
    }
    if (builder === null) return;
    if (filledRow.get(builder) === rows) {
      // An event of a model whose feature is also a group attribute carries it in `features` and in `groups`
      // (docs/events.md): the same value twice is one column; different values are refused.
      const first = filledBy.get(builder)!;
      if (isFeatureAndGroup(first.path, path) && sameValue(first.value, value)) return;
      throw formatError(
        source,
        `"${path}" and another key both give column "${name}"${isFeatureAndGroup(first.path, path) ? `, with different values (${JSON.stringify(first.value)} and ${JSON.stringify(value)})` : ''}`,
        line,
      );
    }
    filledRow.set(builder, rows);
    filledBy.set(builder, { path, value });
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
    if (isLabelEvent(parsed)) {
      labelEvents.set(eventKey(parsed), { label: parsed.label, line });
      continue;
    }
    flatten(parsed, '', '');
    rowKeys.push(eventKey(parsed));
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
  const notes: string[] = [];
  if (labelEvents.size > 0 && (wanted === undefined || wanted.has('label'))) {
    const labels = joinLabels(table.get('label'), rowKeys, labelEvents, source);
    table.set('label', labels.column);
    if (!('label' in inferred) && columns.get('label')?.given === undefined) inferred.label = 'numeric';
    notes.push(
      `${source}: ${labelEvents.size.toLocaleString('en-US')} label events joined to their predictions by model and id` +
        (labels.unmatched > 0
          ? `; ${labels.unmatched.toLocaleString('en-US')} matched no prediction of the file and were left out`
          : ''),
    );
  }
  return { table: { source, rowCount: rows, columns: table }, inferred, ...(notes.length > 0 ? { notes } : {}) };
}

function isLabelEvent(event: Record<string, unknown>): boolean {
  return 'id' in event && 'label' in event && Object.keys(event).every((k) => LABEL_EVENT_KEYS.has(k));
}

function eventKey(event: Record<string, unknown>): string {
  return compositeKey(String(event.model ?? ''), String(event.id ?? ''));
}

/** The `label` column with each row's joined label event in place of its own (a number, a boolean or null). */
function joinLabels(
  own: Column | undefined,
  rowKeys: readonly string[],
  events: ReadonlyMap<string, { label: unknown; line: number }>,
  source: string,
): { column: Column; unmatched: number } {
  const values = new Float64Array(rowKeys.length).fill(Number.NaN);
  if (own?.kind === 'numeric') values.set(own.values);
  else if (own?.kind === 'categorical' && own.codes.some((c) => c >= 0))
    throw formatError(source, 'the label column holds text, so label events cannot be joined to it');
  const matched = new Set<string>();
  rowKeys.forEach((key, row) => {
    const event = events.get(key);
    if (event === undefined) return;
    matched.add(key);
    const { label } = event;
    if (label === null) values[row] = Number.NaN;
    else if (typeof label === 'number') values[row] = label;
    else if (typeof label === 'boolean') values[row] = label ? 1 : 0;
    else throw badValueError(`${source}:${event.line}`, 'label', String(label));
  });
  return { column: { name: 'label', kind: 'numeric', values }, unmatched: events.size - matched.size };
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

/** `features.x` and `groups.x`, in either order. */
function isFeatureAndGroup(a: string, b: string): boolean {
  const [pa, pb] = [a.split('.', 1)[0], b.split('.', 1)[0]];
  return pa !== pb && SPREAD_KEYS.has(pa!) && SPREAD_KEYS.has(pb!) && a.slice(pa!.length) === b.slice(pb!.length);
}

/** Equal as the column would hold them (a group value is text, the feature may be a number or a boolean). */
function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (a !== null && b !== null && a !== undefined && b !== undefined && String(a) === String(b));
}
