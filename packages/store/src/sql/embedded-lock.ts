import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, realpath } from 'node:fs/promises';
import { VigilError } from '@vigil/core';

/**
 * The lock of an embedded database: `<dataDir>.lock`, holding the pid of the process that has the database open.
 * PGlite serves one process; a second process opening the same folder fails deep in its WebAssembly
 * (`RuntimeError: Aborted()`) or, worse, both write it. The lock is taken before PGlite is started, so every
 * command on the embedded database refuses at once with a clear message instead (as git does with index.lock).
 * A lock left by a process that died (SIGKILL, a crash) names a pid that no longer runs and is taken over.
 * Opening the same folder again in the process that holds it is the caller's business (tests do it) and counted.
 */
const held = new Map<string, number>();
let exitHookInstalled = false;

export function lockPathOf(dataDir: string): string {
  return `${dataDir.replace(/[/\\]+$/, '')}.lock`;
}

/** Takes the lock of `dataDir`, or throws VIGIL_STORE_LOCKED (retriable) naming the holder. */
export function lockEmbeddedDatabase(dataDir: string): void {
  const path = lockPathOf(dataDir);
  const count = held.get(path);
  if (count !== undefined) {
    held.set(path, count + 1);
    return;
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      held.set(path, 1);
      installExitHook();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new VigilError(
          'VIGIL_STORE_UNAVAILABLE',
          `cannot create the lock ${path} of the embedded database: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    const holder = readHolder(path);
    if (holder !== undefined && holder !== process.pid && running(holder)) {
      throw new VigilError(
        'VIGIL_STORE_LOCKED',
        `the embedded database ${dataDir} is in use by another Vigil process (pid ${holder}); stop it, or set database.url (VIGIL_DATABASE_URL) to a PostgreSQL server that several processes can share`,
        { retriable: true, details: { pid: holder, lock: path } },
      );
    }
    // Left by a process that is gone (or unreadable: a holder that died while writing it): take it over.
    try {
      if (readHolder(path) === holder) unlinkSync(path);
    } catch {
      // Another process took it over first: try again.
    }
  }
  throw new VigilError(
    'VIGIL_STORE_LOCKED',
    `the embedded database ${dataDir} is in use by another Vigil process (its lock ${path} keeps changing hands); stop it, or set database.url (VIGIL_DATABASE_URL) to a PostgreSQL server`,
    {
      retriable: true,
      details: { lock: path },
    },
  );
}

/**
 * Holds the lock of the embedded database in `dataDir` for a caller that acts on the folder before the store opens
 * it (the demo empties it for a fresh run): another process's database is then refused with VIGIL_STORE_LOCKED
 * before anything of it is touched. The folder is locked as the store locks it (created, links followed), so a
 * store this process opens on it later shares the hold. Returns the release.
 */
export async function holdEmbeddedDatabase(dataDir: string): Promise<() => void> {
  await mkdir(dataDir, { recursive: true });
  const real = await realpath(dataDir);
  lockEmbeddedDatabase(real);
  return () => unlockEmbeddedDatabase(real);
}

/** Gives the lock back (the last opener of the process removes the file). */
export function unlockEmbeddedDatabase(dataDir: string): void {
  const path = lockPathOf(dataDir);
  const count = held.get(path);
  if (count === undefined) return;
  if (count > 1) {
    held.set(path, count - 1);
    return;
  }
  held.delete(path);
  removeIfOurs(path);
}

function removeIfOurs(path: string): void {
  try {
    if (readHolder(path) === process.pid) unlinkSync(path);
  } catch {
    // Already gone.
  }
}

function readHolder(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A process that exits without closing its store (process.exit after a fatal error) still leaves no lock behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const path of held.keys()) removeIfOurs(path);
    held.clear();
  });
}
