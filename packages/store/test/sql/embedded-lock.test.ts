import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVigilError } from '@vigil/core';
import {
  holdEmbeddedDatabase,
  lockEmbeddedDatabase,
  lockPathOf,
  unlockEmbeddedDatabase,
} from '../../src/sql/embedded-lock';

describe('the lock of an embedded database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-lock-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is <dataDir>.lock with the pid, counted within the process, removed by the last unlock', () => {
    const dataDir = join(dir, 'a', 'pglite');
    rmSync(join(dir, 'a'), { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    expect(lockPathOf(`${dataDir}/`)).toBe(`${dataDir}.lock`);
    lockEmbeddedDatabase(dataDir);
    lockEmbeddedDatabase(dataDir);
    expect(readFileSync(`${dataDir}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    unlockEmbeddedDatabase(dataDir);
    expect(existsSync(`${dataDir}.lock`)).toBe(true);
    unlockEmbeddedDatabase(dataDir);
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });

  it('is held before the folder exists, through a link on the folder it points to, shared with a later lock', async () => {
    const real = join(dir, 'held', 'pglite');
    mkdirSync(real, { recursive: true });
    symlinkSync(join(dir, 'held'), join(dir, 'link'));
    const release = await holdEmbeddedDatabase(join(dir, 'link', 'pglite'));
    expect(readFileSync(`${real}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    // The store opened later in this process locks the same folder: counted, not refused.
    lockEmbeddedDatabase(real);
    unlockEmbeddedDatabase(real);
    expect(existsSync(`${real}.lock`)).toBe(true);
    release();
    expect(existsSync(`${real}.lock`)).toBe(false);

    const fresh = join(dir, 'fresh', '.vigil', 'pglite');
    const releaseFresh = await holdEmbeddedDatabase(fresh);
    expect(existsSync(fresh)).toBe(true);
    releaseFresh();
    expect(existsSync(`${fresh}.lock`)).toBe(false);
  });

  it('held by another live process, refuses the holder before the caller touches the folder', async () => {
    const dataDir = join(dir, 'other');
    mkdirSync(dataDir);
    writeFileSync(`${dataDir}.lock`, `${process.ppid}\n`);
    await expect(holdEmbeddedDatabase(dataDir)).rejects.toMatchObject({
      code: 'VIGIL_STORE_LOCKED',
      details: { pid: process.ppid },
    });
  });

  it('refuses while another live process holds it, retriable, naming its pid', () => {
    const dataDir = join(dir, 'b');
    // The parent of this test process is alive and is not this process.
    writeFileSync(`${dataDir}.lock`, `${process.ppid}\n`);
    let error: unknown;
    try {
      lockEmbeddedDatabase(dataDir);
    } catch (e) {
      error = e;
    }
    expect(isVigilError(error, 'VIGIL_STORE_LOCKED')).toBe(true);
    expect(error).toMatchObject({ retriable: true, details: { pid: process.ppid } });
    expect((error as Error).message).toBe(
      `the embedded database ${dataDir} is in use by another Vigil process (pid ${process.ppid}); stop it, or set database.url (VIGIL_DATABASE_URL) to a PostgreSQL server that several processes can share`,
    );
    expect(readFileSync(`${dataDir}.lock`, 'utf8')).toBe(`${process.ppid}\n`);
  });

  it('takes over a lock left by a process that is gone, or one left unreadable', () => {
    const dataDir = join(dir, 'c');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(`${dataDir}.lock`, `${gone.stdout}\n`);
    lockEmbeddedDatabase(dataDir);
    expect(readFileSync(`${dataDir}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    unlockEmbeddedDatabase(dataDir);
    writeFileSync(`${dataDir}.lock`, 'garbage');
    lockEmbeddedDatabase(dataDir);
    expect(readFileSync(`${dataDir}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    unlockEmbeddedDatabase(dataDir);
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });
});
