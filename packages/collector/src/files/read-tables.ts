/**
 * Reads several files at once when the machine has more than one core, the first on the calling thread and each
 * other one on a worker thread: parsing is the largest part of a one-shot report, and the two files of
 * `vigil report` are independent. Falls back to reading one after the other on the calling thread with one
 * core, one file, or when running from TypeScript sources (jest), where no compiled worker file exists.
 */
import { availableParallelism } from 'node:os';
import { VigilError, type VigilErrorCode } from '@vigil/core';
import { readTable, readTableBytes } from './read-table';
import type { ReadTableOptions, ReadTableResult } from './read-table-options';
import { takeTableReader } from './table-reader-start';

export interface ReadRequest {
  path: string;
  options?: ReadTableOptions;
  /** The file's bytes when the caller has read them already (standard input): `path` is then only a name. */
  bytes?: Buffer;
}

export async function readTables(
  requests: readonly ReadRequest[],
  parallelism = availableParallelism(),
  /**
   * Called with the first file's result when the calling thread has read it and the workers are still reading the
   * others (not when everything is read on the calling thread): what the caller can start meanwhile.
   */
  whileWaiting?: (first: ReadTableResult) => void,
): Promise<ReadTableResult[]> {
  if (Math.min(parallelism, requests.length) <= 1 || __filename.endsWith('.ts')) {
    const results: ReadTableResult[] = [];
    for (const r of requests)
      results.push(
        r.bytes
          ? await readTableBytes(r.bytes, r.options?.name ?? r.path, r.options)
          : await readTable(r.path, r.options),
      );
    return results;
  }
  // The calling thread reads the first file itself (or parses bytes in hand: copying them to a worker would cost
  // what the thread saves) while workers read the others: it would otherwise idle, and each worker started costs
  // ~50 ms of CPU (a V8 isolate loading the readers), more in latency on a busy machine.
  const here = (r: ReadRequest): Promise<ReadTableResult> =>
    r.bytes ? readTableBytes(r.bytes, r.options?.name ?? r.path, r.options) : readTable(r.path, r.options);
  const [first, ...rest] = requests as [ReadRequest, ...ReadRequest[]];
  const others = Promise.all(rest.map((r) => (r.bytes ? here(r) : readInWorker(r))));
  // Awaited below; this only keeps a failure of theirs from being an unhandled rejection if the first file fails.
  others.catch(() => undefined);
  const mine = await here(first);
  whileWaiting?.(mine);
  return [mine, ...(await others)];
}

type Reply =
  | { ok: true; result: ReadTableResult }
  | { ok: false; code: VigilErrorCode; message: string; details?: Record<string, unknown> };

function readInWorker(request: ReadRequest): Promise<ReadTableResult> {
  return new Promise((resolve, reject) => {
    const worker = takeTableReader();
    const finish = (fn: () => void): void => {
      void worker.terminate();
      fn();
    };
    worker.once('message', (reply: Reply) =>
      finish(() =>
        reply.ok
          ? resolve(reply.result)
          : reject(new VigilError(reply.code, reply.message, reply.details ? { details: reply.details } : {})),
      ),
    );
    worker.once('error', (error) =>
      finish(() =>
        reject(new VigilError('VIGIL_INTERNAL', `file reader worker crashed: ${error.message}`, { cause: error })),
      ),
    );
    worker.postMessage({ path: request.path, options: request.options ?? {} });
  });
}
