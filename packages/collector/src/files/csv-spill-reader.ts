import type { FileHandle } from 'node:fs/promises';
import type { Column, FeatureKind } from '@vigil/core';
import { ColumnBuilder } from './column-builder';
import { CsvCursor, DELIMITER } from './csv-cursor';
import { CsvFastRows } from './csv-fast-rows';
import { readCsv, readHeader } from './csv-reader';
import { badValueError, emptyFileError, formatError } from './file-errors';
import { isMissingBytes, isMissingText } from './missing-values';
import { parseNumberBytes, parseNumberText } from './parse-number';
import type { ReadTableOptions, ReadTableResult, SpillOptions } from './read-table-options';
import { SpillWriter } from './spill-writer';

/** Bytes read at a time; a row longer than this grows the buffer. */
const CHUNK_BYTES = 16 * 1024 * 1024;

/** A column inferred numeric met a value that is not a number after its first rows were spilled: read again. */
class TurnsCategorical extends Error {
  constructor(readonly column: string) {
    super(column);
  }
}

/**
 * Reads delimited text in chunks of whole rows, with the numeric columns not in `spill.keep` written to the spill
 * file a block of rows at a time, so memory holds one chunk, one block and the kept columns whatever the file's
 * size. Kinds are inferred from the first chunk; a column that turns out not to be numeric further down makes the
 * file be read again with that column categorical (as the in-memory reader would have inferred it). Errors are
 * those of {@link readCsv}, with the same lines.
 */
export async function readCsvSpilled(
  handle: FileHandle,
  size: number,
  source: string,
  delimiter: number,
  options: ReadTableOptions & { spill: SpillOptions },
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

async function readOnce(
  handle: FileHandle,
  size: number,
  source: string,
  delimiter: number,
  options: ReadTableOptions & { spill: SpillOptions },
  given: Record<string, FeatureKind>,
): Promise<ReadTableResult> {
  const chunks = new Chunks(handle, size, options.spill.chunkBytes ?? CHUNK_BYTES);
  let piece = await chunks.next();
  if (piece === null) throw emptyFileError(source, 'the file is empty (no header row)');
  // The first chunk decides the kinds (and checks the header, the columns asked for and its rows) as readCsv would.
  const sample = readCsv(piece, source, delimiter, { ...options, types: given });
  const hasBom = piece[0] === 0xef && piece[1] === 0xbb && piece[2] === 0xbf;
  let cursor = new CsvCursor(piece, source, delimiter, hasBom ? 3 : 0);
  cursor.skipBlankLines();
  const names = readHeader(cursor);
  const wanted = options.columns === undefined ? undefined : new Set(options.columns);
  const keep = new Set(options.spill.keep ?? []);
  const kindOf = (name: string): FeatureKind => given[name] ?? sample.inferred[name] ?? 'numeric';
  const spilledNames = names.filter(
    (n) => (wanted === undefined || wanted.has(n)) && kindOf(n) === 'numeric' && !keep.has(n),
  );
  const spillIndex = new Map(spilledNames.map((n, i) => [n, i]));
  const spill = new SpillWriter(options.spill.path, spilledNames, spilledNames.length, options.spill.blockBytes);
  try {
    // Per field: a builder (kept columns), the index of a spilled column, or null (skipped).
    const builders = names.map((name) =>
      wanted !== undefined && !wanted.has(name)
        ? null
        : spillIndex.has(name)
          ? null
          : new ColumnBuilder(name, kindOf(name), 1024),
    );
    const spilled = names.map((name) => spillIndex.get(name) ?? -1);
    const inferredNumeric = names.map((name) => given[name] === undefined);
    const block = spill.block;
    const stride = spill.blockRows;
    const last = names.length - 1;
    const fast = new CsvFastRows(Int32Array.from(spilled), delimiter);
    let rows = 0;
    for (;;) {
      const bytes = piece;
      for (;;) {
        cursor.skipBlankLines();
        if (cursor.done) break;
        const line = cursor.line;
        const r = spill.row;
        // Most rows in one call; the fields it hands back are read as the loop below reads them, and a row it
        // refuses (or one with a value that is not a number in a numeric column) is read by that loop.
        const next = fast.row(bytes, cursor.pos, block, stride, r);
        if (next !== -1 && fast.readRanges(bytes, builders, block, stride, r)) {
          cursor.pos = next;
          cursor.line++;
          spill.endRow();
          rows++;
          continue;
        }
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
    const files = spill.finish();
    const columns = new Map<string, Column>();
    const inferred: Record<string, FeatureKind> = {};
    const byName = new Map<string, ColumnBuilder>();
    for (const builder of builders) if (builder !== null) byName.set(builder.name, builder);
    for (const name of options.columns ?? names) {
      const builder = byName.get(name);
      columns.set(name, builder ? builder.build() : { name, kind: 'numeric', values: new Float64Array(0) });
      if (options.types?.[name] === undefined) inferred[name] = builder?.kind ?? 'numeric';
    }
    return { table: { source, rowCount: rows, columns }, inferred, spilled: files };
  } finally {
    spill.close();
  }
}

/**
 * The file's bytes as pieces that end at a row end: a line feed outside quotes (an even number of quotes before
 * it since the piece began, RFC 4180 escaping included). The last piece is whatever remains. A piece is a view of
 * the reader's buffer, valid until the next call of {@link Chunks.next}.
 */
class Chunks {
  private buffer: Buffer;
  private start = 0;
  private end = 0;
  private position = 0;
  private eof = false;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
    chunkBytes: number,
  ) {
    this.buffer = Buffer.allocUnsafe(chunkBytes);
  }

  async next(): Promise<Buffer | null> {
    for (;;) {
      const cut = this.eof ? this.end : this.cut();
      if (cut > this.start || (this.eof && this.end > this.start)) {
        // A view, not a copy (the copies were ~8% of a reader thread's time): the next call refills the buffer.
        const piece = this.buffer.subarray(this.start, cut);
        this.start = cut;
        return piece;
      }
      if (this.eof) return null;
      await this.fill();
    }
  }

  private async fill(): Promise<void> {
    if (this.start > 0) {
      this.buffer.copy(this.buffer, 0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    if (this.end === this.buffer.length) {
      const grown = Buffer.allocUnsafe(this.buffer.length * 2);
      this.buffer.copy(grown, 0, 0, this.end);
      this.buffer = grown;
    }
    const { bytesRead } = await this.handle.read(this.buffer, this.end, this.buffer.length - this.end, this.position);
    this.position += bytesRead;
    this.end += bytesRead;
    if (bytesRead === 0 || this.position >= this.size) this.eof = true;
  }

  /** The end of the last whole row in the buffer, or `start` when there is none yet. */
  private cut(): number {
    const b = this.buffer;
    let quotes = 0;
    for (let i = b.indexOf(0x22, this.start); i !== -1 && i < this.end; i = b.indexOf(0x22, i + 1)) quotes++;
    let after = this.end;
    let nl = this.end > this.start ? b.lastIndexOf(0x0a, this.end - 1) : -1;
    while (nl >= this.start) {
      for (let i = b.indexOf(0x22, nl); i !== -1 && i < after; i = b.indexOf(0x22, i + 1)) quotes--;
      if (quotes % 2 === 0) return nl + 1;
      after = nl;
      nl = nl > this.start ? b.lastIndexOf(0x0a, nl - 1) : -1;
    }
    return this.start;
  }
}
