// Worker-thread entry: analyses the numeric column jobs it is sent (see parallel-columns.ts).
import { parentPort } from 'node:worker_threads';
import { errorMessage, VigilError } from '@vigil/core';
import type { NumericColumnJob } from './numeric-column';
import { claimColumnJobs } from './parallel-columns';
import { closeSpilledColumns, prepareSpilledColumns } from './spilled-column';

parentPort?.on('message', async ({ jobs, next }: { jobs: NumericColumnJob[]; next: Int32Array }) => {
  try {
    await prepareSpilledColumns(jobs.flatMap((job) => [job.reference, job.current]));
    // Every job is sent (their columns are shared memory or a file's place); this thread analyses those it claims.
    const results = claimColumnJobs(jobs, next);
    closeSpilledColumns();
    // The samples kept aside are moved, not copied: at 1,000 columns they are hundreds of megabytes.
    const samples = results.flatMap((r) => (r.samples ? Object.values(r.samples) : []));
    parentPort?.postMessage(
      { ok: true, results },
      samples.map((s) => s.buffer as ArrayBuffer),
    );
  } catch (error) {
    // A file's own error (a Parquet column that no longer decodes) keeps its code: it is the user's to fix.
    const code = error instanceof VigilError && error.code !== 'VIGIL_INTERNAL' ? error.code : undefined;
    parentPort?.postMessage({ ok: false, message: errorMessage(error), ...(code ? { code } : {}) });
  }
});
