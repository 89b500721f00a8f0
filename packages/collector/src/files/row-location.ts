import { CsvCursor, DELIMITER } from './csv-cursor';
import { openRegularFile } from './regular-file';

/**
 * Where data row `row` (0-based, as in a table) of a file starts, as `file:line` — the physical line, counting the
 * header as line 1, so an editor jumps to it. Found by reading the file again, which only an error pays for: the
 * tables keep no line numbers. A Parquet file has rows, not lines (`file: row N`), and a pipe cannot be read twice
 * (`name: data row N`).
 */
export async function rowLocation(path: string, row: number, name = path): Promise<string> {
  const fallback = `${name}: data row ${row + 1}`;
  let bytes: Buffer;
  try {
    // A FIFO is not opened: it would wait for a writer and take its data (openRegularFile).
    const file = await openRegularFile(path);
    if (file === undefined) return fallback;
    try {
      bytes = await file.handle.readFile();
    } finally {
      await file.handle.close();
    }
  } catch {
    return fallback;
  }
  if (bytes.subarray(0, 4).toString('latin1') === 'PAR1') return `${name}: row ${row + 1}`;
  const text = bytes
    .subarray(0, 4096)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (text.startsWith('{')) return ndjsonLine(bytes, row, name) ?? fallback;
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const line = csvLine(bytes, firstLine.includes('\t') && !firstLine.includes(',') ? 0x09 : 0x2c, row, name);
  return line === undefined ? fallback : `${name}:${line}`;
}

/** The line of the `row`-th non-blank line (NDJSON readers skip blank lines). */
function ndjsonLine(bytes: Buffer, row: number, name: string): string | undefined {
  let line = 1;
  let seen = -1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      if (bytes.subarray(start, i).toString('utf8').trim().length > 0 && ++seen === row) return `${name}:${line}`;
      line++;
      start = i + 1;
    }
  }
  return undefined;
}

/** The line a CSV record starts on, skipping the header and blank lines as the reader does; quoted newlines count. */
function csvLine(bytes: Buffer, delimiter: number, row: number, name: string): number | undefined {
  const cursor = new CsvCursor(bytes, name, delimiter);
  cursor.skipBlankLines();
  for (let r = -1; !cursor.done; r++) {
    cursor.skipBlankLines();
    if (cursor.done) break;
    if (r === row) return cursor.line;
    while (cursor.next() === DELIMITER) {
      // the record's remaining fields
    }
  }
  return undefined;
}
