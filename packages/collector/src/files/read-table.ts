import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { extname } from 'node:path';
import { VigilError } from '@vigil/core';
import { readCsv } from './csv-reader';
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
 * extension-less files are recognised by content. CSV and NDJSON files are read whole into memory (so up to
 * 2 GiB); Parquet files are read by column chunk.
 *
 * @throws VigilError `VIGIL_FILE_NOT_FOUND`, `VIGIL_FILE_EMPTY`, `VIGIL_FILE_FORMAT`, `VIGIL_UNKNOWN_COLUMN`,
 *   `VIGIL_BAD_VALUE`; messages name the file, and the line (or row) and column where that applies.
 */
export async function readTable(path: string, options: ReadTableOptions = {}): Promise<ReadTableResult> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw notReadable(path, error);
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) {
      throw new VigilError('VIGIL_FILE_NOT_FOUND', `${path}: is a directory, not a file`, { details: { file: path } });
    }
    if (stats.size === 0) throw emptyFileError(path, 'the file is empty');
    const head = Buffer.alloc(Math.min(stats.size, 4096));
    await handle.read(head, 0, head.length, 0);
    const format = detectFormat(path, head);
    if (format === 'parquet') return await readParquet(handle, stats.size, path, options);
    let bytes: Buffer;
    try {
      bytes = await handle.readFile();
    } catch (error) {
      throw notReadable(path, error);
    }
    if (format === 'ndjson') return readNdjson(bytes, path, options);
    return readCsv(bytes, path, format === 'tsv' ? 0x09 : 0x2c, options);
  } finally {
    await handle.close();
  }
}

function detectFormat(path: string, head: Buffer): Format {
  const extension = extname(path).toLowerCase();
  const isParquet = head.subarray(0, 4).equals(PARQUET_MAGIC);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    throw formatError(path, 'the file is gzip-compressed; decompress it first');
  }
  const byExtension = FORMAT_BY_EXTENSION[extension];
  if (byExtension === 'parquet') {
    if (!isParquet) throw formatError(path, 'the file is named .parquet but does not start with the Parquet magic "PAR1"');
    return 'parquet';
  }
  if (isParquet) throw formatError(path, `the file is Parquet but named ${extension || 'without an extension'}; rename it to .parquet`);
  if (head.includes(0)) throw formatError(path, 'the file is binary, not CSV, TSV, NDJSON or Parquet');
  if (byExtension !== undefined) return byExtension;
  if (!SNIFFED_EXTENSIONS.has(extension)) {
    throw formatError(
      path,
      `unknown file type "${extension}"; expected ${Object.keys(FORMAT_BY_EXTENSION).join(', ')}`,
    );
  }
  const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('{')) return 'ndjson';
  if (text.startsWith('[')) throw formatError(path, 'a JSON array is not supported; write one JSON object per line (NDJSON)');
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  if (firstLine.includes('\t')) return 'tsv';
  if (firstLine.includes(',')) return 'csv';
  throw formatError(path, 'cannot tell the format: the first line has neither commas nor tabs');
}

function notReadable(path: string, error: unknown): VigilError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT' ? 'no such file' :
    code === 'EACCES' || code === 'EPERM' ? 'permission denied' :
    code === 'ERR_FS_FILE_TOO_LARGE' ? 'larger than the 2 GiB that can be read into memory; use Parquet' :
    (error as Error).message;
  return new VigilError('VIGIL_FILE_NOT_FOUND', `${path}: cannot be read (${reason})`, {
    cause: error,
    details: { file: path },
  });
}
