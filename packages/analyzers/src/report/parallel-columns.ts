/**
 * Runs the numeric column jobs of a report on as many threads as the machine has cores: the calling thread and worker
 * threads each claim the next job until none is left, so a 1M-row report uses both cores of a small machine. The calling
 * thread works rather than waits because it would otherwise idle, and because starting a worker (a V8 isolate
 * that loads the analysis modules) costs ~50 ms of CPU and more of latency on a busy machine: one worker fewer,
 * and the one that remains starts while this thread is already sorting. The calling thread's event loop is
 * blocked meanwhile, which suits the one-shot commands that make reports (`vigil report`, `vigil demo`).
 * Everything runs on the calling thread when there is one core, one job, or when running from TypeScript sources
 * (jest), where no compiled worker file exists.
 */
import { availableParallelism } from 'node:os';
import { VigilError, type VigilErrorCode } from '@vigil/core';
import { analyzeNumericColumn, type NumericColumnJob, type NumericColumnResult } from './numeric-column';
import { NUMERIC_WORKER_FILE, takeReportWorker } from './report-workers';
import { closeSpilledColumns, prepareSpilledColumns, type SampledColumn } from './spilled-column';

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
  // The jobs are claimed one at a time from a shared counter, by this thread and the workers alike, so that no thread
  // idles while another still has a share to work through: a worker starts later than this thread (~50 ms of CPU,
  // more of latency on a busy machine), and the threads of a loaded machine do not run at the same speed. Which
  // thread analyses a column changes nothing of its result (a pure function of its job).
  const next = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  // The workers first, so that they start while this thread works through the jobs.
  const inWorkers = Promise.all(Array.from({ length: threads - 1 }, () => runWorker(jobs, next)));
  // Awaited below; this only keeps a failure of theirs from being an unhandled rejection if this thread throws first.
  inWorkers.catch(() => undefined);
  let here: ColumnJobResult[];
  try {
    here = claimColumnJobs(jobs, next);
  } catch (error) {
    // The workers stop claiming: they finish the job in hand and return.
    Atomics.store(next, 0, jobs.length);
    throw error;
  } finally {
    closeSpilledColumns();
  }
  const byName = new Map([...here, ...(await inWorkers).flat()].map((r) => [r.name, r]));
  return jobs.map((j) => byName.get(j.name)!);
}

/** Analyses the jobs whose indices this thread claims from `next` (shared by every thread), until none is left. */
export function claimColumnJobs(jobs: readonly NumericColumnJob[], next: Int32Array): ColumnJobResult[] {
  const results: ColumnJobResult[] = [];
  for (let i = Atomics.add(next, 0, 1); i < jobs.length; i = Atomics.add(next, 0, 1))
    results.push(analyzeColumnJob(jobs[i]!));
  return results;
}

function runWorker(jobs: readonly NumericColumnJob[], next: Int32Array): Promise<ColumnJobResult[]> {
  return new Promise((resolve, reject) => {
    const worker = takeReportWorker(NUMERIC_WORKER_FILE);
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
    worker.postMessage({ jobs, next });
  });
}
