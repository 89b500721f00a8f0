/**
 * Reads several files at once when the machine has more than one core, the first on the calling thread and each
 * other one on a worker thread: parsing is the largest part of a one-shot report, and the two files of
 * `vigil report` are independent. Falls back to reading one after the other on the calling thread with one
 * core, one file, or when running from TypeScript sources (jest), where no compiled worker file exists.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { VigilError, type VigilErrorCode } from '@vigil/core';
import { readTable } from './read-table';
import type { ReadTableOptions, ReadTableResult } from './read-table-options';

const WORKER_FILE = join(__dirname, 'read-table-worker.js');

export interface ReadRequest {
  path: string;
  options?: ReadTableOptions;
}

export async function readTables(requests: readonly ReadRequest[], parallelism = availableParallelism()): Promise<ReadTableResult[]> {
  if (Math.min(parallelism, requests.length) <= 1 || __filename.endsWith('.ts')) {
    const results: ReadTableResult[] = [];
    for (const r of requests) results.push(await readTable(r.path, r.options));
    return results;
  }
  // The calling thread reads the first file itself while workers read the others: it would otherwise idle, and
  // each worker started costs ~50 ms of CPU (a V8 isolate loading the readers), more in latency on a busy machine.
  const [first, ...rest] = requests as [ReadRequest, ...ReadRequest[]];
  const others = Promise.all(rest.map(readInWorker));
  // Awaited below; this only keeps a failure of theirs from being an unhandled rejection if the first file fails.
  others.catch(() => undefined);
  const mine = await readTable(first.path, first.options);
  return [mine, ...(await others)];
}

type Reply = { ok: true; result: ReadTableResult } | { ok: false; code: VigilErrorCode; message: string; details?: Record<string, unknown> };

function readInWorker(request: ReadRequest): Promise<ReadTableResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_FILE);
    const finish = (fn: () => void): void => {
      void worker.terminate();
      fn();
    };
    worker.once('message', (reply: Reply) =>
      finish(() => (reply.ok ? resolve(reply.result) : reject(new VigilError(reply.code, reply.message, reply.details ? { details: reply.details } : {})))),
    );
    worker.once('error', (error) => finish(() => reject(new VigilError('VIGIL_INTERNAL', `file reader worker crashed: ${error.message}`, { cause: error }))));
    worker.postMessage({ path: request.path, options: request.options ?? {} });
  });
}
