// Worker-thread entry: one file's sampled surrogate fit and permutation importance (see report-explanations.ts).
import { parentPort } from 'node:worker_threads';
import { errorMessage } from '@vigil/core';
import { explainSampledFile, type ExplainFileJob } from './report-explanations';

parentPort?.on('message', (job: ExplainFileJob) => {
  try {
    parentPort?.postMessage({ ok: true, result: explainSampledFile(job) });
  } catch (error) {
    parentPort?.postMessage({ ok: false, message: errorMessage(error) });
  }
});
