/**
 * Worker threads a report will want, started ahead of the need: `vigil report` starts them once the calling thread
 * has read its own file and waits for the reading worker to finish the other one (it would otherwise idle), so the
 * column jobs and the reference's explanations find a worker with its modules loaded (a V8 isolate and the analysis
 * modules: ~50 ms of CPU, more of latency on a busy machine) instead of waiting for one. A worker started here and
 * never taken is unreferenced (it never keeps the process alive) and stopped by {@link stopIdleReportWorkers}.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Table } from '@vigil/core';
import { surrogateFitRows } from './report-explanations';

export const NUMERIC_WORKER_FILE = join(__dirname, 'numeric-worker.js');
export const EXPLANATIONS_WORKER_FILE = join(__dirname, 'explanations-worker.js');

interface Idle {
  worker: Worker;
  alive: boolean;
}

const idle = new Map<string, Idle[]>();

/** A worker running `file`: one started ahead (referenced again) when there is one, else a new one. */
export function takeReportWorker(file: string): Worker {
  const ready = idle.get(file);
  while (ready !== undefined && ready.length > 0) {
    const held = ready.shift()!;
    if (!held.alive) continue;
    held.worker.ref();
    return held.worker;
  }
  return new Worker(file);
}

/**
 * Starts the workers a report on `reference` (the file read first) will take: one column worker per thread beyond
 * the calling one when it has two numeric columns or more, and an explanations worker when the reference is
 * larger than the surrogate's fit sample (its design columns estimated as the table's columns; a wrong guess only
 * starts a worker that is stopped unused, or leaves one to start later). Nothing from TypeScript sources (jest).
 */
export function startReportWorkers(reference: Table, parallelism = availableParallelism()): void {
  if (parallelism <= 1 || __filename.endsWith('.ts')) return;
  let numeric = 0;
  for (const c of reference.columns.values()) if (c.kind === 'numeric') numeric++;
  const wanted: string[] = [];
  if (numeric >= 2) for (let t = 1; t < parallelism; t++) wanted.push(NUMERIC_WORKER_FILE);
  if (reference.rowCount > surrogateFitRows(reference.columns.size)) wanted.push(EXPLANATIONS_WORKER_FILE);
  for (const file of wanted) {
    const held: Idle = { worker: new Worker(file), alive: true };
    // Until it is taken, a worker's failure (or exit) only drops it: the job then starts a new one.
    const drop = (): void => {
      held.alive = false;
    };
    held.worker.on('error', drop);
    held.worker.once('exit', drop);
    held.worker.unref();
    idle.set(file, [...(idle.get(file) ?? []), held]);
  }
}

/** Stops the workers started ahead and never taken. */
export function stopIdleReportWorkers(): void {
  for (const ready of idle.values()) for (const held of ready.splice(0)) void held.worker.terminate();
}

/** How many workers started ahead are still waiting to be taken (for tests). */
export function idleReportWorkers(): number {
  let n = 0;
  for (const ready of idle.values()) for (const held of ready) if (held.alive) n++;
  return n;
}
