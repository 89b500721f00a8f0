/**
 * Runs the numeric column jobs of a report on as many threads as the machine has cores: the calling thread takes
 * one share and worker threads the others, so a 1M-row report uses both cores of a small machine. The calling
 * thread works rather than waits because it would otherwise idle, and because starting a worker (a V8 isolate
 * that loads the analysis modules) costs ~50 ms of CPU and more of latency on a busy machine: one worker fewer,
 * and the one that remains starts while this thread is already sorting. The calling thread's event loop is
 * blocked meanwhile, which suits the one-shot commands that make reports (`vigil report`, `vigil demo`).
 * Everything runs on the calling thread when there is one core, one job, or when running from TypeScript sources
 * (jest), where no compiled worker file exists.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { VigilError, type VigilErrorCode } from '@vigil/core';
import { analyzeNumericColumn, type NumericColumnJob, type NumericColumnResult } from './numeric-column';
import { closeSpilledColumns, prepareSpilledColumns, type SampledColumn } from './spilled-column';

const WORKER_FILE = join(__dirname, 'numeric-worker.js');

/** A column job's result, with the surrogate's samples its spilled columns kept aside as they were read. */
export type ColumnJobResult = NumericColumnResult & { samples?: { reference?: Float64Array; current?: Float64Array } };

/** {@link analyzeNumericColumn}, and the samples its spilled columns kept aside (spilled-column.ts). */
export function analyzeColumnJob(job: NumericColumnJob): ColumnJobResult {
  const result = analyzeNumericColumn(job);
  const sample = (c: NumericColumnJob['reference']): Float64Array | undefined =>
    c instanceof Float64Array ? undefined : (c as SampledColumn).sample;
  const reference = sample(job.reference);
  const current = sample(job.current);
  if (reference === undefined && current === undefined) return result;
  return {
    ...result,
    samples: { ...(reference !== undefined ? { reference } : {}), ...(current !== undefined ? { current } : {}) },
  };
}

export async function analyzeNumericColumns(
  jobs: readonly NumericColumnJob[],
  parallelism = availableParallelism(),
): Promise<ColumnJobResult[]> {
  // Columns left in their Parquet file are decoded by the thread that analyses them, which loads the decoder first.
  await prepareSpilledColumns(jobs.flatMap((job) => [job.reference, job.current]));
  const threads = Math.min(parallelism, jobs.length);
  if (threads <= 1 || __filename.endsWith('.ts')) {
    const results = jobs.map(analyzeColumnJob);
    closeSpilledColumns();
    return results;
  }
  // Round-robin keeps the shares even: columns of one report have the same number of rows.
  const shares = Array.from({ length: threads }, (_, t) => jobs.filter((_, i) => i % threads === t));
  // The workers first, so that they start while this thread works through share 0.
  const inWorkers = Promise.all(shares.slice(1).map(runWorker));
  // Awaited below; this only keeps a failure of theirs from being an unhandled rejection if share 0 throws first.
  inWorkers.catch(() => undefined);
  const here = shares[0]!.map(analyzeColumnJob);
  closeSpilledColumns();
  const byName = new Map([...here, ...(await inWorkers).flat()].map((r) => [r.name, r]));
  return jobs.map((j) => byName.get(j.name)!);
}

function runWorker(jobs: NumericColumnJob[]): Promise<ColumnJobResult[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_FILE);
    const finish = (fn: () => void): void => {
      void worker.terminate();
      fn();
    };
    worker.once(
      'message',
      (reply: { ok: true; results: ColumnJobResult[] } | { ok: false; message: string; code?: VigilErrorCode }) =>
        finish(() =>
          reply.ok
            ? resolve(reply.results)
            : reject(
                reply.code
                  ? new VigilError(reply.code, reply.message)
                  : new VigilError('VIGIL_INTERNAL', `numeric column worker failed: ${reply.message}`),
              ),
        ),
    );
    worker.once('error', (error) =>
      finish(() =>
        reject(new VigilError('VIGIL_INTERNAL', `numeric column worker crashed: ${error.message}`, { cause: error })),
      ),
    );
    worker.postMessage(jobs);
  });
}
