import { open, stat } from 'node:fs/promises';

/** Bytes read to find the header: blank lines before it are rare, and a header longer than this still starts in it. */
const HEAD_BYTES = 64 * 1024;

/**
 * Where the header row of a CSV or TSV file is, as `file:line` (its first line that is not blank, as the reader
 * skips them), so an error about a column it lacks points where an editor shows the names. An NDJSON or Parquet
 * file has no header line, and a pipe cannot be read again: their name alone.
 */
export async function headerLocation(path: string, name = path): Promise<string> {
  let head: Buffer;
  try {
    // Not opened unless a file: opening a FIFO whose writer is gone waits for the next one.
    if (!(await stat(path)).isFile()) return name;
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return name;
  }
  if (head.subarray(0, 4).toString('latin1') === 'PAR1') return name;
  let pos = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  let line = 1;
  for (; pos < head.length; pos++) {
    const c = head[pos];
    if (c === 0x0a) line++;
    else if (c === 0x0d) {
      if (head[pos + 1] === 0x0a) pos++;
      line++;
    } else break;
  }
  // NDJSON: objects, one a line, and no header.
  const first = head.subarray(pos).find((c) => c !== 0x20 && c !== 0x09);
  return first === undefined || first === 0x7b ? name : `${name}:${line}`;
}
