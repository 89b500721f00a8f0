/**
 * Runs the numeric column jobs of a report on worker threads, one per core: the event loop stays free and a
 * 1M-row report uses both cores of a small machine. Falls back to the calling thread when there is one core,
 * one job, or when running from TypeScript sources (jest), where no compiled worker file exists.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { VigilError } from '@vigil/core';
import { analyzeNumericColumn, type NumericColumnJob, type NumericColumnResult } from './numeric-column';

const WORKER_FILE = join(__dirname, 'numeric-worker.js');

export async function analyzeNumericColumns(jobs: readonly NumericColumnJob[], parallelism = availableParallelism()): Promise<NumericColumnResult[]> {
  const threads = Math.min(parallelism, jobs.length);
  if (threads <= 1 || __filename.endsWith('.ts')) return jobs.map(analyzeNumericColumn);
  // Round-robin keeps the shares even: columns of one report have the same number of rows.
  const shares = Array.from({ length: threads }, (_, t) => jobs.filter((_, i) => i % threads === t));
  const parts = await Promise.all(shares.map(runWorker));
  const byName = new Map(parts.flat().map((r) => [r.name, r]));
  return jobs.map((j) => byName.get(j.name)!);
}

function runWorker(jobs: NumericColumnJob[]): Promise<NumericColumnResult[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_FILE);
    const finish = (fn: () => void): void => {
      void worker.terminate();
      fn();
    };
    worker.once('message', (reply: { ok: true; results: NumericColumnResult[] } | { ok: false; message: string }) =>
      finish(() => (reply.ok ? resolve(reply.results) : reject(new VigilError('VIGIL_INTERNAL', `numeric column worker failed: ${reply.message}`)))),
    );
    worker.once('error', (error) => finish(() => reject(new VigilError('VIGIL_INTERNAL', `numeric column worker crashed: ${error.message}`, { cause: error }))));
    worker.postMessage(jobs);
  });
}
