import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';

/** Extensions of the table formats `vigil report` reads and `vigil run --source` (NDJSON events) does not. */
const BY_EXTENSION: Readonly<Record<string, 'CSV' | 'TSV' | 'Parquet'>> = {
  '.csv': 'CSV',
  '.tsv': 'TSV',
  '.parquet': 'Parquet',
  '.pq': 'Parquet',
};

/**
 * The table format of the file at `path` by its extension or, for Parquet, its magic bytes; undefined for anything
 * else (NDJSON, a pipe, a file that cannot be read). `vigil run --source` uses it to refuse a CSV at once: it read
 * one before as 501 lines of invalid JSON, each a dead letter, and exited 0.
 */
export async function tableFileFormat(path: string): Promise<'CSV' | 'TSV' | 'Parquet' | undefined> {
  try {
    // Not opened unless a file: opening a FIFO waits for its writer.
    if (!(await stat(path)).isFile()) return undefined;
    const handle = await open(path, 'r');
    try {
      const head = Buffer.alloc(4);
      const { bytesRead } = await handle.read(head, 0, 4, 0);
      if (bytesRead === 4 && head.toString('latin1') === 'PAR1') return 'Parquet';
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
  return BY_EXTENSION[extname(path).toLowerCase()];
}
