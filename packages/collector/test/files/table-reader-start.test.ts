import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type * as ReadTables from '../../src/files/read-tables';
import type * as TableReaderStart from '../../src/files/table-reader-start';

// The compiled modules: from TypeScript sources no worker file exists and nothing is started ahead.
describe('the file reader worker started ahead (the compiled modules)', () => {
  const dist = join(__dirname, '../../dist/files');
  let start: typeof TableReaderStart;
  let tables: typeof ReadTables;
  let dir: string;
  beforeAll(async () => {
    start = (await import(join(dist, 'table-reader-start.js'))) as typeof TableReaderStart;
    tables = (await import(join(dist, 'read-tables.js'))) as typeof ReadTables;
    dir = mkdtempSync(join(tmpdir(), 'vigil-reader-ahead-'));
    writeFileSync(join(dir, 'a.csv'), 'x,y\n1,a\n2,b\n');
    writeFileSync(join(dir, 'b.csv'), 'x,y\n3,c\n4.5,d\n5,\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('is the worker the next reader takes, once; the one after is a new worker', async () => {
    start.startTableReaderAhead();
    // Thread ids grow: a worker made after the one started ahead has a larger id than it.
    const marker = new Worker(start.TABLE_READER_WORKER_FILE);
    const taken = start.takeTableReader();
    const next = start.takeTableReader();
    expect(taken.threadId).toBeLessThan(marker.threadId);
    expect(next.threadId).toBeGreaterThan(marker.threadId);
    await Promise.all([taken.terminate(), marker.terminate(), next.terminate()]);
  });

  test('reads the second file of readTables as a worker started there would', async () => {
    const files = [join(dir, 'a.csv'), join(dir, 'b.csv')].map((path) => ({ path }));
    const fresh = await tables.readTables(files, 2);
    start.startTableReaderAhead();
    const withAhead = await tables.readTables(files, 2);
    expect(withAhead).toEqual(fresh);
    expect(withAhead[1]!.table.rowCount).toBe(3);
    // Taken by that read: the next reader gets a new worker, not one started ahead.
    const after = start.takeTableReader();
    await after.terminate();
  });

  test('a process that starts it and never reads a file ends as before', () => {
    const script = `require(${JSON.stringify(join(dist, 'table-reader-start.js'))}).startTableReaderAhead(); console.log('done')`;
    expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })).toBe('done\n');
  });
});
