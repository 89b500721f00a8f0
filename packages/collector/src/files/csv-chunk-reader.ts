import type { FileHandle } from 'node:fs/promises';
import type { Column, FeatureKind } from '@vigil/core';
import { ColumnBuilder } from './column-builder';
import { CsvCursor, DELIMITER } from './csv-cursor';
import { readCsv, readHeader } from './csv-reader';
import { CsvWasmRows } from './csv-wasm-rows';
import { badValueError, emptyFileError, formatError } from './file-errors';
import { isMissingBytes, isMissingText } from './missing-values';
import { parseNumberBytes, parseNumberText } from './parse-number';
import type { ReadTableOptions, ReadTableResult } from './read-table-options';
import { SpillWriter } from './spill-writer';

/** Bytes read at a time; a row longer than this grows the buffer. */
const CHUNK_BYTES = 16 * 1024 * 1024;
/** Rows of numbers held before they go to their columns, when nothing is spilled: 1,000 columns of them fit in a core's cache. */
const BLOCK_ROWS = 64;

/** A column inferred numeric met a value that is not a number after its first rows were read: read again. */
class TurnsCategorical extends Error {
  constructor(readonly column: string) {
    super(column);
  }
}

/**
 * Reads a delimited text file in chunks of whole rows, the next chunk read while this one is parsed, so that the
 * file's bytes are never held whole. Numeric columns are filled a block of rows at a time: in memory, or, with
 * `options.spill`, those not in `spill.keep` are written to the spill file, so memory holds two chunks, one block
 * and the kept columns whatever the file's size. Kinds are inferred from the first chunk; a column that turns out
 * not to be numeric further down makes the file be read again with that column categorical (as reading it whole
 * infers it). A file that fits in its first chunk is read whole by {@link readCsv}. Errors are those of
 * {@link readCsv}, with the same lines.
 */
export async function readCsvChunked(
  handle: FileHandle,
  size: number,
  source: string,
  delimiter: number,
  options: ReadTableOptions,
): Promise<ReadTableResult> {
  let types: Record<string, FeatureKind> = { ...options.types };
  for (;;) {
    try {
      return await readOnce(handle, size, source, delimiter, options, types);
    } catch (error) {
      if (!(error instanceof TurnsCategorical)) throw error;
      types = { ...types, [error.column]: 'categorical' };
    }
  }
}

/**
 * Where a reader's numbers go a block of rows at a time: column `c` of the block at `c * blockRows`. The reader
 * puts its row parser's block there (the same size, in the parser's WebAssembly memory), so the parser writes the
 * numbers where they are flushed from.
 */
interface RowBlock {
  block: Float64Array;
  readonly blockRows: number;
  /** Rows filled in the current block. */
  readonly row: number;
  endRow(): void;
  close(): void;
}

/** The {@link RowBlock} of columns held in memory: a full block goes to its columns' builders. */
class BuilderBlock implements RowBlock {
  readonly blockRows = BLOCK_ROWS;
  block: Float64Array;
  row = 0;

  constructor(readonly builders: readonly ColumnBuilder[]) {
    this.block = new Float64Array(builders.length * BLOCK_ROWS);
  }

  endRow(): void {
    if (++this.row === BLOCK_ROWS) this.flush();
  }

  flush(): void {
    for (let c = 0; c < this.builders.length; c++) this.builders[c]!.pushNumbers(this.block, c * BLOCK_ROWS, this.row);
    this.row = 0;
  }

  close(): void {}
}

async function readOnce(
  handle: FileHandle,
  size: number,
  source: string,
  delimiter: number,
  options: ReadTableOptions,
  given: Record<string, FeatureKind>,
): Promise<ReadTableResult> {
  const chunks = new Chunks(handle, size, options.chunkBytes ?? CHUNK_BYTES, delimiter);
  try {
    return await readChunks(chunks, size, source, delimiter, options, given);
  } finally {
    await chunks.settle();
  }
}

async function readChunks(
  chunks: Chunks,
  size: number,
  source: string,
  delimiter: number,
  options: ReadTableOptions,
  given: Record<string, FeatureKind>,
): Promise<ReadTableResult> {
  let piece = await chunks.next();
  if (piece === null) throw emptyFileError(source, 'the file is empty (no header row)');
  // The first piece must hold a row after the header: a header nearly as long as a chunk, or a first row longer than
  // what the chunk has left, ends it at the header, and it would read as a file with no rows. Pieces are joined
  // until it does, or the file ends.
  let first: Buffer = piece;
  while (!chunks.ended && !holdsARow(first, source, delimiter)) {
    // A copy: a piece is the reader's buffer only until the next call.
    const held = Buffer.from(first);
    const more = await chunks.next();
    first = more === null ? held : Buffer.concat([held, more]);
  }
  piece = first;
  // The first chunk decides the kinds (and checks the header, the columns asked for and its rows) as readCsv would.
  const sample = readCsv(piece, source, delimiter, { ...options, types: given });
  if (options.spill === undefined && chunks.ended) return sample;
  const hasBom = piece[0] === 0xef && piece[1] === 0xbb && piece[2] === 0xbf;
  let cursor = new CsvCursor(piece, source, delimiter, hasBom ? 3 : 0);
  cursor.skipBlankLines();
  const names = readHeader(cursor);
  const wanted = options.columns === undefined ? undefined : new Set(options.columns);
  const keep = new Set(options.spill?.keep ?? []);
  const kindOf = (name: string): FeatureKind => given[name] ?? sample.inferred[name] ?? 'numeric';
  // Columns are made for the rows the first chunk's rows per byte promise, so that they rarely grow.
  const capacity = (size / piece.length) * sample.table.rowCount * 1.02 + 16;
  const blockNames = names.filter(
    (n) => (wanted === undefined || wanted.has(n)) && kindOf(n) === 'numeric' && !keep.has(n),
  );
  const blockIndex = new Map(blockNames.map((n, i) => [n, i]));
  const blockBuilders = options.spill ? [] : blockNames.map((n) => new ColumnBuilder(n, kindOf(n), capacity));
  const spill = options.spill
    ? new SpillWriter(options.spill.path, blockNames, blockNames.length, options.spill.blockBytes)
    : new BuilderBlock(blockBuilders);
  try {
    // Per field: a builder (a category, or a number kept out of the block), or null (in the block, or skipped).
    const builders = names.map((name) =>
      (wanted !== undefined && !wanted.has(name)) || blockIndex.has(name)
        ? null
        : new ColumnBuilder(name, kindOf(name), capacity),
    );
    const spilled = names.map((name) => blockIndex.get(name) ?? -1);
    const inferredNumeric = names.map((name) => given[name] === undefined);
    const stride = spill.blockRows;
    const last = names.length - 1;
    // Rows are read a run at a time by the WebAssembly row parser (docs/decisions/0045) from a copy of the piece in
    // its memory, their numbers into its block, which is the destination's block; a row it refuses, or one with a
    // value that is not a number in a numeric column, is read field by field below.
    const parser = new CsvWasmRows(names.length, blockNames.length, stride, delimiter, Math.min(stride, BLOCK_ROWS));
    parser.targets.set(spilled);
    let rows = 0;
    for (;;) {
      const bytes = piece;
      // Taking the piece may grow the parser's memory: its views, the block among them, are taken again.
      parser.reserve(bytes.length);
      parser.input.set(bytes);
      spill.block = parser.block;
      const block = parser.block;
      for (;;) {
        cursor.skipBlankLines();
        if (cursor.done) break;
        const r0 = spill.row;
        const read = parser.rows(cursor.pos, bytes.length, r0, Math.min(parser.callRows, stride - r0));
        let j = 0;
        // The block fills (and is flushed) at the run's last row at the latest.
        for (; j < read; j++) {
          if (!parser.readRanges(j, builders, r0 + j)) break;
          cursor.pos = parser.rowEnd(j);
          cursor.line++;
          spill.endRow();
          rows++;
        }
        if (read > 0 && j === read) continue;
        const line = cursor.line;
        const r = spill.row;
        for (let k = 0; k <= last; k++) {
          const builder = builders[k];
          const s = spilled[k]!;
          const numeric = s >= 0 || (builder != null && builder.kind === 'numeric');
          const fast = numeric ? cursor.nextNumber() : -1;
          const end = fast === -1 ? cursor.next() : fast;
          if (fast !== -1) {
            if (s >= 0) block[s * stride + r] = cursor.number;
            else builder!.pushNumber(cursor.number);
          } else if (s >= 0 || builder != null) {
            const text = cursor.text;
            const missing = text === null ? isMissingBytes(bytes, cursor.start, cursor.end) : isMissingText(text);
            if (numeric) {
              const value = missing
                ? Number.NaN
                : text === null
                  ? parseNumberBytes(bytes, cursor.start, cursor.end)
                  : parseNumberText(text);
              if (!missing && Number.isNaN(value)) {
                if (!inferredNumeric[k])
                  throw badValueError(`${source}:${cursor.fieldLine}`, names[k]!, cursor.value());
                throw new TurnsCategorical(names[k]!);
              }
              if (s >= 0) block[s * stride + r] = value;
              else builder!.pushNumber(value);
            } else if (missing) {
              builder!.pushMissing();
            } else if (text === null) {
              builder!.pushBytes(bytes, cursor.start, cursor.end);
            } else {
              builder!.pushString(text);
            }
          }
          if (k < last ? end !== DELIMITER : end === DELIMITER) {
            let fields = k + 1;
            if (end === DELIMITER) while (cursor.next() === DELIMITER) fields++;
            if (end === DELIMITER) fields++;
            throw formatError(source, `expected ${names.length} fields as in the header, found ${fields}`, line);
          }
        }
        spill.endRow();
        rows++;
      }
      const line = cursor.line;
      piece = await chunks.next();
      if (piece === null) break;
      cursor = new CsvCursor(piece, source, delimiter, 0, line);
    }
    if (rows === 0) throw emptyFileError(source, 'the file has a header but no data rows');
    const files = spill instanceof SpillWriter ? spill.finish() : undefined;
    if (spill instanceof BuilderBlock) spill.flush();
    const columns = new Map<string, Column>();
    const inferred: Record<string, FeatureKind> = {};
    const byName = new Map<string, ColumnBuilder>();
    for (const builder of [...builders, ...blockBuilders]) if (builder !== null) byName.set(builder.name, builder);
    for (const name of options.columns ?? names) {
      const builder = byName.get(name);
      columns.set(name, builder ? builder.build() : { name, kind: 'numeric', values: new Float64Array(0) });
      if (options.types?.[name] === undefined) inferred[name] = builder?.kind ?? 'numeric';
    }
    return { table: { source, rowCount: rows, columns }, inferred, ...(files && { spilled: files }) };
  } finally {
    spill.close();
  }
}

/** Whether a first piece holds a header and a row after it (it may end in blank lines). */
function holdsARow(piece: Buffer, source: string, delimiter: number): boolean {
  const hasBom = piece[0] === 0xef && piece[1] === 0xbb && piece[2] === 0xbf;
  const cursor = new CsvCursor(piece, source, delimiter, hasBom ? 3 : 0);
  cursor.skipBlankLines();
  if (cursor.done) return false;
  readHeader(cursor);
  cursor.skipBlankLines();
  return !cursor.done;
}

/**
 * The file's bytes as pieces that end at a row end: a line feed outside quoted fields, found as the CSV cursor reads
 * them (a quote opens a field only at its start, after spaces; one inside an unquoted field, `12" pipe`, is text).
 * The last piece is whatever remains. A piece is a view of
 * one of the reader's two buffers, valid until the next call of {@link Chunks.next}: while the caller parses it,
 * the next bytes are read into the other buffer, after the part row the piece left.
 *
 * Why two buffers: reading a 750 MB file whole before parsing it took ~0.6 s of a 100,000 × 1,000 report's ~6.4 s
 * with both its threads idle, and held the file's bytes (1.5 GB for the pair) beside its columns (docs/decisions/
 * 0046). Read ahead, the bytes arrive while the previous chunk is parsed, into memory that is already mapped.
 */
class Chunks {
  private buffers: [Buffer, Buffer];
  /** The buffer holding the bytes not yet handed out, `[start, end)`. */
  private current = 0;
  private start = 0;
  private end = 0;
  private position = 0;
  private eof = false;
  /** The read started by the last piece handed out, into the current buffer. */
  private pending: Promise<void> | null = null;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
    chunkBytes: number,
    private readonly delimiter: number,
  ) {
    this.buffers = [Buffer.allocUnsafe(chunkBytes), Buffer.allocUnsafe(0)];
  }

  /** Every byte of the file has been handed out. */
  get ended(): boolean {
    return this.eof && this.pending === null && this.end === this.start;
  }

  async next(): Promise<Buffer | null> {
    await this.settle(true);
    for (;;) {
      const cut = this.eof ? this.end : this.cut();
      if (cut > this.start) {
        const piece = this.buffers[this.current]!.subarray(this.start, cut);
        this.start = cut;
        if (!this.eof) this.readAhead();
        return piece;
      }
      if (this.eof) return null;
      await this.fill();
    }
  }

  /** Waits for the read ahead, if any; its error is thrown only when `rethrow` (a reader that failed has its own). */
  async settle(rethrow = false): Promise<void> {
    const pending = this.pending;
    this.pending = null;
    if (pending === null) return;
    try {
      await pending;
    } catch (error) {
      if (rethrow) throw error;
    }
  }

  /** Moves the part row after the piece just handed out to the other buffer and starts reading after it. */
  private readAhead(): void {
    const from = this.buffers[this.current]!;
    const other = 1 - this.current;
    if (this.buffers[other]!.length < from.length) this.buffers[other] = Buffer.allocUnsafe(from.length);
    from.copy(this.buffers[other]!, 0, this.start, this.end);
    this.current = other;
    this.end -= this.start;
    this.start = 0;
    const pending = this.fill();
    // Awaited by the next call (or by settle): a parse error meanwhile must not leave it unhandled.
    pending.catch(() => {});
    this.pending = pending;
  }

  private async fill(): Promise<void> {
    let buffer = this.buffers[this.current]!;
    if (this.start > 0) {
      buffer.copy(buffer, 0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    if (this.end === buffer.length) {
      const grown = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(grown, 0, 0, this.end);
      this.buffers[this.current] = buffer = grown;
    }
    const { bytesRead } = await this.handle.read(buffer, this.end, buffer.length - this.end, this.position);
    this.position += bytesRead;
    this.end += bytesRead;
    if (bytesRead === 0 || this.position >= this.size) this.eof = true;
  }

  /**
   * The end of the last whole row in the buffer, or `start` when there is none yet. `start` is a row start. Quotes
   * are matched as the cursor matches them: counting them (an even number before a line feed) took a quote inside
   * an unquoted field for an opening one and cut inside the next quoted field that held a line feed.
   */
  private cut(): number {
    const b = this.buffers[this.current]!;
    const { start, end, delimiter } = this;
    const skipTabs = delimiter !== 0x09;
    // A byte-order mark before the header's first field, as the reader skips it.
    const first = start === 0 && end >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : start;
    // The last stretch outside quoted fields that holds a line feed, `[from, to)`; its last line feed ends the cut.
    let from = -1;
    let to = -1;
    const found = (): number => (from < 0 ? start : b.lastIndexOf(0x0a, to - 1) + 1);
    // The first line feed at or after pos (end when none): found once per line feed, not once per quote.
    let nextNl = -1;
    let pos = start;
    for (;;) {
      let quote = b.indexOf(0x22, pos);
      if (quote >= end) quote = -1;
      const stretchEnd = quote === -1 ? end : quote;
      if (nextNl < pos) {
        nextNl = b.indexOf(0x0a, pos);
        if (nextNl === -1 || nextNl > end) nextNl = end;
      }
      if (nextNl < stretchEnd) {
        from = pos;
        to = stretchEnd;
      }
      if (quote === -1) return found();
      let k = quote - 1;
      while (k >= first && (b[k] === 0x20 || (b[k] === 0x09 && skipTabs))) k--;
      const opens = k < first || b[k] === delimiter || b[k] === 0x0a || b[k] === 0x0d;
      if (!opens) {
        pos = quote + 1;
        continue;
      }
      // The closing quote: one not followed by another (a pair is an escaped quote).
      let close = quote + 1;
      for (;;) {
        close = b.indexOf(0x22, close);
        if (close === -1 || close + 1 >= end) return found();
        if (b[close + 1] !== 0x22) break;
        close += 2;
      }
      pos = close + 1;
    }
  }
}
