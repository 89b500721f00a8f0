import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { extname } from 'node:path';
import { VigilError } from '@vigil/core';
import { readCsv } from './csv-reader';
import { readCsvChunked } from './csv-chunk-reader';
import { emptyFileError, formatError } from './file-errors';
import { readNdjson } from './ndjson-reader';
import { readParquet } from './parquet-reader';
import type { ReadTableOptions, ReadTableResult } from './read-table-options';

type Format = 'csv' | 'tsv' | 'ndjson' | 'parquet';

const FORMAT_BY_EXTENSION: Readonly<Record<string, Format>> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.json-lines': 'ndjson',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

/** Extensions of text whose format is read from its content (the UCI repository names its files `.data`). */
const SNIFFED_EXTENSIONS = new Set(['', '.data', '.dat', '.txt', '.json']);

const PARQUET_MAGIC = Buffer.from('PAR1');

/**
 * Reads a CSV, TSV, NDJSON or Parquet file into a columnar table. The format follows the extension (`.csv`,
 * `.tsv`, `.ndjson`/`.jsonl`/`.json-lines`, `.parquet`) and is checked against the content; `.data`, `.txt` and
 * extension-less files are recognised by content. CSV and TSV files are read in chunks, the next read while one is
 * parsed (csv-chunk-reader.ts); NDJSON files are read whole into memory (so up to 2 GiB); Parquet files are read by
 * column chunk. Pipes and FIFOs are read whole, in any of the formats. With `options.spill`, numeric columns go to
 * a spill file, so memory does not grow with the file.
 *
 * @throws VigilError `VIGIL_FILE_NOT_FOUND`, `VIGIL_FILE_EMPTY`, `VIGIL_FILE_FORMAT`, `VIGIL_UNKNOWN_COLUMN`,
 *   `VIGIL_BAD_VALUE`; messages name the file, and the line (or row) and column where that applies.
 */
export async function readTable(path: string, options: ReadTableOptions = {}): Promise<ReadTableResult> {
  const source = options.name ?? path;
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw notReadable(source, error);
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) {
      throw new VigilError('VIGIL_FILE_NOT_FOUND', `${source}: is a directory, not a file`, {
        details: { file: source },
      });
    }
    // A pipe, FIFO or terminal (`-`, `<(zcat f.gz)`, /dev/stdin) has no size and cannot be read at an offset: it is
    // read to its end first, and its format is told by its content alone.
    if (!stats.isFile()) return await readTableBytes(await readWhole(handle, source), source, options);
    if (stats.size === 0) throw emptyFileError(source, 'the file is empty');
    const head = Buffer.alloc(Math.min(stats.size, 4096));
    await handle.read(head, 0, head.length, 0);
    const format = detectFormat(source, head);
    if (format === 'parquet') return await readParquet(handle, stats.size, source, options, path);
    if (format !== 'ndjson') {
      return await readCsvChunked(handle, stats.size, source, format === 'tsv' ? 0x09 : 0x2c, options);
    }
    return parseText(format, await readWhole(handle, source), source, options);
  } finally {
    await handle.close();
  }
}

/** Reads a table from bytes already in memory (standard input, read by the caller); `name` is for messages. */
export async function readTableBytes(
  bytes: Buffer,
  name: string,
  givenOptions: ReadTableOptions = {},
): Promise<ReadTableResult> {
  // Bytes in hand are in memory already: nothing to spill.
  const { spill: _spill, ...options } = givenOptions;
  if (bytes.length === 0) throw emptyFileError(name, 'the input is empty (nothing was read from it)');
  const format = detectFormat(name, bytes.subarray(0, 4096), true);
  if (format === 'parquet') return readParquet(bytes, bytes.length, name, options);
  return parseText(format, bytes, name, options);
}

function parseText(
  format: Exclude<Format, 'parquet'>,
  bytes: Buffer,
  source: string,
  options: ReadTableOptions,
): ReadTableResult {
  return format === 'ndjson'
    ? readNdjson(bytes, source, options)
    : readCsv(bytes, source, format === 'tsv' ? 0x09 : 0x2c, options);
}

async function readWhole(handle: FileHandle, source: string): Promise<Buffer> {
  try {
    return await handle.readFile();
  } catch (error) {
    throw notReadable(source, error);
  }
}

function detectFormat(path: string, head: Buffer, stream = false): Format {
  const extension = extname(path).toLowerCase();
  const isParquet = head.subarray(0, 4).equals(PARQUET_MAGIC);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    throw formatError(path, 'the file is gzip-compressed; decompress it first');
  }
  const byExtension = FORMAT_BY_EXTENSION[extension];
  if (byExtension === 'parquet') {
    if (!isParquet)
      throw formatError(path, 'the file is named .parquet but does not start with the Parquet magic "PAR1"');
    return 'parquet';
  }
  if (isParquet)
    throw formatError(
      path,
      `the file is Parquet but named ${extension || 'without an extension'}; rename it to .parquet`,
    );
  if (head.includes(0)) throw formatError(path, 'the file is binary, not CSV, TSV, NDJSON or Parquet');
  if (byExtension !== undefined) return byExtension;
  // A pipe's name is whatever the shell made (/dev/fd/63, a FIFO's own): only its content counts.
  if (!stream && !SNIFFED_EXTENSIONS.has(extension)) {
    throw formatError(
      path,
      `unknown file type "${extension}"; expected ${Object.keys(FORMAT_BY_EXTENSION).join(', ')}`,
    );
  }
  const text = head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (text.startsWith('{')) return 'ndjson';
  if (text.startsWith('['))
    throw formatError(path, 'a JSON array is not supported; write one JSON object per line (NDJSON)');
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  if (firstLine.includes('\t')) return 'tsv';
  if (firstLine.includes(',')) return 'csv';
  throw formatError(path, 'cannot tell the format: the first line has neither commas nor tabs');
}

function notReadable(path: string, error: unknown): VigilError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'ERR_FS_FILE_TOO_LARGE'
          ? 'larger than the 2 GiB that can be read into memory; use Parquet'
          : (error as Error).message;
  return new VigilError('VIGIL_FILE_NOT_FOUND', `${path}: cannot be read (${reason})`, {
    cause: error,
    details: { file: path },
  });
}
