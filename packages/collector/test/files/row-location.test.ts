import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rowLocation } from '../../src';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'row-location-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('rowLocation', () => {
  it("is a CSV row's physical line, the header being line 1 and blank lines counted", async () => {
    const path = join(dir, 'rows.csv');
    await writeFile(path, 'a,b\n1,2\n\n3,"x\ny"\n4,5\n');
    expect(await rowLocation(path, 0)).toBe(`${path}:2`);
    expect(await rowLocation(path, 1, 'rows.csv')).toBe('rows.csv:4');
    expect(await rowLocation(path, 2, 'rows.csv')).toBe('rows.csv:6');
  });

  // Before: the FIFO was opened before its type was checked, and opening a FIFO for reading waits for a writer, so an
  // error in a file given as a named pipe whose writer had finished never reached the user (this test timed out).
  it('names the data row of a FIFO without opening it: no writer is waited for, none is taken', async () => {
    const fifo = join(dir, 'events.fifo');
    execFileSync('mkfifo', [fifo]);
    try {
      expect(await rowLocation(fifo, 4, 'events.fifo')).toBe('events.fifo: data row 5');
      // Nobody opened the pipe for reading: a writer that does not wait is refused (ENXIO) for want of a reader.
      await expect(open(fifo, constants.O_WRONLY | constants.O_NONBLOCK)).rejects.toMatchObject({ code: 'ENXIO' });
    } finally {
      // Releases the old code's blocked open, if any, so a failure here does not hang the run.
      await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).then(
        (h) => h.close(),
        () => undefined,
      );
    }
  });
});
