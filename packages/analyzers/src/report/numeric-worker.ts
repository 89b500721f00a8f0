// Worker-thread entry: analyses the numeric column jobs it is sent (see parallel-columns.ts).
import { parentPort } from 'node:worker_threads';
import { errorMessage } from '@vigil/core';
import { analyzeNumericColumn, type NumericColumnJob } from './numeric-column';

parentPort?.on('message', (jobs: NumericColumnJob[]) => {
  try {
    parentPort?.postMessage({ ok: true, results: jobs.map(analyzeNumericColumn) });
  } catch (error) {
    parentPort?.postMessage({ ok: false, message: errorMessage(error) });
  }
});
