// Worker-thread entry: one file's sampled surrogate fit and permutation importance (see report-explanations.ts).
import { parentPort } from 'node:worker_threads';
import { errorMessage } from '@vigil/core';
import { explainJob, type ExplainJob } from './report-explanations';

parentPort?.on('message', (job: ExplainJob) => {
  try {
    parentPort?.postMessage({ ok: true, result: explainJob(job) });
  } catch (error) {
    parentPort?.postMessage({ ok: false, message: errorMessage(error) });
  }
});
