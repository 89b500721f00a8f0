// Worker-thread entry: reads one file (see read-tables.ts). Numeric columns are on shared memory, so posting the
// table back shares them; a VigilError crosses as its code, message and details.
import { parentPort } from 'node:worker_threads';
import { errorMessage, isVigilError } from '@vigil/core';
import { readTable } from './read-table';
import type { ReadTableOptions } from './read-table-options';

parentPort?.on('message', ({ path, options }: { path: string; options: ReadTableOptions }) => {
  readTable(path, options).then(
    (result) => parentPort?.postMessage({ ok: true, result }),
    (error: unknown) =>
      parentPort?.postMessage({
        ok: false,
        code: isVigilError(error) ? error.code : 'VIGIL_INTERNAL',
        message: errorMessage(error),
        details: isVigilError(error) ? error.details : undefined,
      }),
  );
});
