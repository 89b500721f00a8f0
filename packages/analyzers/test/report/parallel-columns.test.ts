import { join } from 'node:path';
import { seededRandom, type Column, type Table } from '@vigil/core';
import type * as ParallelColumns from '../../src/report/parallel-columns';
import type * as ReportWorkers from '../../src/report/report-workers';
import { analyzeNumericColumn, type NumericColumnJob } from '../../src/report/numeric-column';
import { claimColumnJobs } from '../../src/report/parallel-columns';

/** Column pairs in shared memory (as the file readers give them): decimals, some missing, and some without a decimal form. */
function jobs(count: number, rows: number, seed: number): NumericColumnJob[] {
  const random = seededRandom(seed);
  const column = (shift: number, decimal: boolean): Float64Array => {
    const values = new Float64Array(new SharedArrayBuffer(8 * rows));
    for (let i = 0; i < rows; i++) {
      const v = random() + random() + random() + shift;
      values[i] = i % 89 === 0 ? Number.NaN : decimal ? Math.round(v * 1e4) / 1e4 : Math.sin(v * 1e3);
    }
    return values;
  };
  return Array.from({ length: count }, (_, j) => ({
    name: `f${j}`,
    reference: column(0, j % 3 !== 0),
    current: column(j % 2 === 0 ? 0.3 : 0, j % 3 !== 0),
  }));
}

describe('claimColumnJobs', () => {
  test('threads sharing a counter analyse every job once: what one leaves, the next takes', () => {
    const all = jobs(12, 3000, 7);
    const next = new Int32Array(new SharedArrayBuffer(4));
    // Another thread has claimed the first five already.
    next[0] = 5;
    const mine = claimColumnJobs(all, next);
    expect(mine.map((r) => r.name)).toEqual(all.slice(5).map((j) => j.name));
    expect(mine).toEqual(all.slice(5).map((j) => analyzeNumericColumn(j)));
    // Nothing is left for a thread that claims after.
    expect(claimColumnJobs(all, next)).toEqual([]);
  });
});

describe('the column jobs on two threads (the compiled modules, where the worker files exist)', () => {
  let compiled: typeof ParallelColumns;
  let workers: typeof ReportWorkers;
  beforeAll(async () => {
    compiled = (await import(join(__dirname, '../../dist/report/parallel-columns.js'))) as typeof ParallelColumns;
    workers = (await import(join(__dirname, '../../dist/report/report-workers.js'))) as typeof ReportWorkers;
  });
  const all = jobs(40, 4000, 11);
  const one = all.map((j) => analyzeNumericColumn(j));

  test('the jobs claimed by this thread and a worker give the results of one thread, in the jobs’ order', async () => {
    const two = await compiled.analyzeNumericColumns(all, 2);
    expect(two.map((r) => r.name)).toEqual(all.map((j) => j.name));
    expect(two).toEqual(one);
  });

  test('a worker started ahead is the one the jobs take; the idle ones left are stopped', async () => {
    const columns = new Map<string, Column>(
      all.map((j) => [j.name, { name: j.name, kind: 'numeric', values: j.reference as Float64Array }]),
    );
    const reference: Table = { source: 'reference', rowCount: 4000, columns };
    workers.startReportWorkers(reference, 2);
    // One column worker (two threads); 40 design columns are sampled past 2.4M rows, so no explanations worker.
    expect(workers.idleReportWorkers()).toBe(1);
    expect(await compiled.analyzeNumericColumns(all, 2)).toEqual(one);
    expect(workers.idleReportWorkers()).toBe(0);
    workers.startReportWorkers({ ...reference, rowCount: 3_000_000 }, 2);
    expect(workers.idleReportWorkers()).toBe(2);
    workers.stopIdleReportWorkers();
    expect(workers.idleReportWorkers()).toBe(0);
  });
});
