import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';

/**
 * `path` opened for reading if it is a regular file, else undefined (the caller closes the handle). The type is
 * checked first: opening a FIFO (`--current <(…)`) for reading waits until a writer comes, and would take that
 * writer's data from whoever it was meant for. O_NONBLOCK guards the moment between the check and the open (a FIFO
 * swapped in then opens at once, and the handle's own stat refuses it); a regular file reads the same with it.
 * Rejects as `stat` and `open` do (a missing file, say).
 */
export async function openRegularFile(path: string): Promise<{ handle: FileHandle; stats: Stats } | undefined> {
  if (!(await stat(path)).isFile()) return undefined;
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (stats.isFile()) return { handle, stats };
  } catch (error) {
    await handle.close();
    throw error;
  }
  await handle.close();
  return undefined;
}
