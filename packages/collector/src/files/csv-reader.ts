import type { Column, FeatureKind } from '@vigil/core';
import { ColumnBuilder } from './column-builder';
import { CsvCursor, DELIMITER as DELIMITER_END } from './csv-cursor';
import { CsvWasmRows } from './csv-wasm-rows';
import { badValueError, emptyFileError, formatError, requireColumns } from './file-errors';
import { isMissingBytes, isMissingText } from './missing-values';
import { parseNumberBytes, parseNumberText } from './parse-number';
import type { ReadTableOptions, ReadTableResult } from './read-table-options';

// A module constant, read per cell: cheaper than a property of the imported module's exports (as in csv-cursor.ts).
const AT_DELIMITER = DELIMITER_END;
/** Rows of numbers a reader holds before handing them to the columns: 1,000 columns of them fit in a core's cache. */
const BLOCK_ROWS = 64;
/** Bytes of whole lines copied at a time into the memory of the WebAssembly row parser (more for a longer line). */
const WINDOW_BYTES = 4 * 1024 * 1024;

/**
 * Reads delimited text with a header row into a table, in one pass over the bytes: numbers are parsed straight
 * from the bytes and categories are dictionary-encoded from them, so no string is made per cell and no object per
 * row. Line numbers in errors count the header as line 1 and are those of the physical line a field starts on.
 */
export function readCsv(
  bytes: Uint8Array,
  source: string,
  delimiter: number,
  options: ReadTableOptions = {},
): ReadTableResult {
  const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const cursor = new CsvCursor(bytes, source, delimiter, hasBom ? 3 : 0);
  cursor.skipBlankLines();
  if (cursor.done) throw emptyFileError(source, 'the file is empty (no header row)');
  const headerLine = cursor.line;
  const names = readHeader(cursor);
  requireColumns(source, names, options.columns, headerLine);

  const wanted = options.columns === undefined ? undefined : new Set(options.columns);
  const capacity = estimateRows(bytes, cursor.pos);
  const builders = names.map((name) =>
    wanted !== undefined && !wanted.has(name) ? null : new ColumnBuilder(name, options.types?.[name], capacity),
  );
  let rowStarts = new Float64Array(Math.ceil(capacity));
  const last = names.length - 1;
  let rows = 0;
  // Rows are read whole, a run of them a call, by the WebAssembly row parser where it can (docs/decisions/0045): the
  // file's bytes are copied into its memory a window of whole lines at a time (bytes[base, windowEnd)), its numbers
  // wait in its block of BLOCK_ROWS rows (column k at k * BLOCK_ROWS) and go to their builders when it is full, or
  // before a row read field by field below. Its views (fast.targets, fast.block) change when a window grows them.
  const fast = new CsvWasmRows(names.length, names.length, BLOCK_ROWS, delimiter);
  let base = 0;
  let windowEnd = 0;
  let blockRows = 0;
  const flush = (): void => {
    const { block, targets } = fast;
    for (let k = 0; k <= last; k++) if (targets[k] !== -1) builders[k]!.pushNumbers(block, k * BLOCK_ROWS, blockRows);
    blockRows = 0;
  };
  const setTargets = (): void => {
    const targets = fast.targets;
    for (let k = 0; k <= last; k++) targets[k] = builders[k]?.kind === 'numeric' ? k : -1;
  };
  setTargets();

  for (;;) {
    cursor.skipBlankLines();
    if (cursor.done) break;
    if (cursor.pos >= windowEnd) {
      base = cursor.pos;
      windowEnd = windowAt(bytes, base);
      fast.reserve(windowEnd - base);
      fast.input.set(bytes.subarray(base, windowEnd));
    }
    const read = fast.rows(cursor.pos - base, windowEnd - base, blockRows, BLOCK_ROWS - blockRows);
    let j = 0;
    for (; j < read; j++) {
      if (rows === rowStarts.length) rowStarts = grow(rowStarts);
      rowStarts[rows] = cursor.pos;
      if (!fast.readRanges(j, builders, blockRows)) break;
      cursor.pos = base + fast.rowEnd(j);
      cursor.line++;
      rows++;
      if (++blockRows === BLOCK_ROWS) flush();
    }
    if (read > 0 && j === read) continue;
    if (rows === rowStarts.length) rowStarts = grow(rowStarts);
    rowStarts[rows] = cursor.pos;
    // The general reader pushes this row's values itself, after those of the rows before it.
    flush();
    const line = cursor.line;
    for (let k = 0; k <= last; k++) {
      const builder = builders[k];
      // Plain decimals in a numeric column are scanned and parsed in one pass; anything else takes the general path.
      if (builder != null && builder.kind === 'numeric') {
        const fast = cursor.nextNumber();
        // The common case first and alone: a number that ends where the header says a field of its place ends.
        if (fast !== -1 && (k < last ? fast === AT_DELIMITER : fast !== AT_DELIMITER)) {
          builder.pushNumber(cursor.number);
          continue;
        }
        if (fast !== -1) {
          builder.pushNumber(cursor.number);
          throwFieldCount(cursor, source, names.length, k, fast, line);
        }
      }
      const end = cursor.next();
      if (builder != null) {
        const text = cursor.text;
        if (builder.kind === 'numeric') {
          let value: number;
          if (text === null ? isMissingBytes(bytes, cursor.start, cursor.end) : isMissingText(text)) {
            value = Number.NaN;
          } else {
            value = text === null ? parseNumberBytes(bytes, cursor.start, cursor.end) : parseNumberText(text);
            if (Number.isNaN(value)) {
              if (builder.given === 'numeric') {
                throw badValueError(`${source}:${cursor.fieldLine}`, builder.name, cursor.value());
              }
              const starts = rowStarts;
              builder.toCategorical((row) => fieldText(bytes, source, delimiter, starts[row]!, k));
            }
          }
          if (builder.kind === 'numeric') builder.pushNumber(value);
        }
        if (builder.kind === 'categorical') {
          if (text === null) {
            if (isMissingBytes(bytes, cursor.start, cursor.end)) builder.pushMissing();
            else builder.pushBytes(bytes, cursor.start, cursor.end);
          } else if (isMissingText(text)) {
            builder.pushMissing();
          } else {
            builder.pushString(text);
          }
        }
      }
      if (k < last ? end !== AT_DELIMITER : end === AT_DELIMITER)
        throwFieldCount(cursor, source, names.length, k, end, line);
    }
    rows++;
    // A column may have turned categorical.
    setTargets();
  }
  flush();
  if (rows === 0) throw emptyFileError(source, 'the file has a header but no data rows');

  const columns = new Map<string, Column>();
  const inferred: Record<string, FeatureKind> = {};
  const byName = new Map<string, ColumnBuilder>();
  for (const builder of builders) if (builder !== null) byName.set(builder.name, builder);
  for (const name of options.columns ?? names) {
    const builder = byName.get(name)!;
    columns.set(name, builder.build());
    if (builder.given === undefined) inferred[name] = builder.kind;
  }
  return { table: { source, rowCount: rows, columns }, inferred };
}

function grow(rowStarts: Float64Array): Float64Array {
  const grown = new Float64Array(Math.ceil(rowStarts.length * 1.5) + 16);
  grown.set(rowStarts);
  return grown;
}

/**
 * The end of the window of bytes from `from` the row parser is given: about {@link WINDOW_BYTES}, cut after the last
 * line end in it (never between a CR and its LF, which would count a line twice), or longer to hold a whole line.
 * A row the parser reads ends at its first line end, so every row starting in the window ends in it.
 */
function windowAt(bytes: Uint8Array, from: number): number {
  for (let size = WINDOW_BYTES; ; size *= 2) {
    const end = from + size;
    if (end >= bytes.length) return bytes.length;
    for (let i = end - 1; i >= from; i--) {
      const c = bytes[i];
      if (c === 0x0a || (c === 0x0d && bytes[i + 1] !== 0x0a)) return i + 1;
    }
  }
}

/** The error for a row whose field `k` ended with `end` where the header's `expected` fields say otherwise. */
function throwFieldCount(
  cursor: CsvCursor,
  source: string,
  expected: number,
  k: number,
  end: number,
  line: number,
): never {
  let fields = k + 1;
  if (end === AT_DELIMITER) while (cursor.next() === AT_DELIMITER) fields++;
  if (end === AT_DELIMITER) fields++;
  throw formatError(source, `expected ${expected} fields as in the header, found ${fields}`, line);
}

export function readHeader(cursor: CsvCursor): string[] {
  const line = cursor.line;
  const names: string[] = [];
  const seen = new Set<string>();
  for (;;) {
    const end = cursor.next();
    // An unnamed column (pandas writes one for the index) still needs a name to be selected by.
    const name = cursor.value() || `column_${names.length + 1}`;
    if (seen.has(name)) throw formatError(cursor.source, `the header names column "${name}" twice`, line);
    seen.add(name);
    names.push(name);
    if (end !== AT_DELIMITER) return names;
  }
}

/** The text of field `k` of the row starting at byte `rowStart`, read again when a column turns categorical. */
function fieldText(bytes: Uint8Array, source: string, delimiter: number, rowStart: number, k: number): string {
  const cursor = new CsvCursor(bytes, source, delimiter, rowStart);
  for (let i = 0; i < k; i++) cursor.next();
  cursor.next();
  return cursor.value();
}

/**
 * Rows expected after `from`, from the line lengths of a sample, so columns rarely need to grow. The sample's
 * lines are measured to their last line feed: a 64 KiB window of 6 KB lines (1,000 columns) counted 10 lines for
 * 10.4 lines' bytes, and the 4% underestimate made every column grow once, a copy of the whole file's values.
 */
function estimateRows(bytes: Uint8Array, from: number): number {
  const sampleEnd = Math.min(bytes.length, from + 1024 * 1024);
  let lines = 0;
  let lastLineEnd = from;
  for (let i = from; i < sampleEnd; i++)
    if (bytes[i] === 0x0a) {
      lines++;
      lastLineEnd = i + 1;
    }
  if (lines === 0 || sampleEnd === bytes.length) return lines + 1;
  return ((bytes.length - from) / (lastLineEnd - from)) * lines * 1.02 + 16;
}
