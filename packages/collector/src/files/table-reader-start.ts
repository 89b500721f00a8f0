/**
 * The worker that reads `vigil report`'s second file, started ahead: the command starts it before it loads its own
 * modules, so that the worker loads the readers on the other core meanwhile (~0.25 s of the calling thread's start
 * before it reads its file), and {@link readTables} takes it. Started later, its file was read ~0.2 s after the
 * calling thread's, which waited for it with the analysis (decision 0051). Light on purpose (node modules only): the
 * executable imports it before anything else. Unreferenced while it waits, so a command that never reads a file (its
 * --help, a usage error) ends as before.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export const TABLE_READER_WORKER_FILE = join(__dirname, 'read-table-worker.js');

let ahead: Worker | undefined;

/** Starts the worker now, for the next {@link takeTableReader}; nothing from TypeScript sources (no worker file). */
export function startTableReaderAhead(): void {
  if (ahead !== undefined || __filename.endsWith('.ts')) return;
  const worker = new Worker(TABLE_READER_WORKER_FILE);
  worker.unref();
  // A worker that fails while it waits is dropped: the reader then starts its own.
  worker.once('error', () => {
    if (ahead === worker) ahead = undefined;
  });
  ahead = worker;
}

/** The worker started ahead, if any (once), else a new one. */
export function takeTableReader(): Worker {
  const worker = ahead;
  ahead = undefined;
  if (worker === undefined) return new Worker(TABLE_READER_WORKER_FILE);
  worker.ref();
  return worker;
}
