/**
 * The embedded database serves one process: while a real `vigil run` holds ./.vigil/pglite, `vigil queue` (any
 * command on the folder) stops at once with VIGIL_STORE_LOCKED naming the daemon's pid, exit 1, instead of
 * PGlite's `RuntimeError: Aborted()` with exit 2. Once the daemon is gone, even by SIGKILL, the command works.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli';

jest.setTimeout(120_000);

const BIN = join(__dirname, '../../dist/bin.js');

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null
      ? resolve(child.exitCode)
      : child.once('exit', (code) => resolve(code)),
  );
}

async function until(what: string, check: () => boolean, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (check()) return;
    if (child.exitCode !== null) throw new Error(`the daemon exited (${child.exitCode}) before ${what}:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}:\n${output()}`);
}

describe('the lock of the embedded database', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'vigil-lock-'));
  const config = join(cwd, 'vigil.yaml');
  const lock = join(cwd, '.vigil/pglite.lock');
  writeFileSync(
    config,
    [
      'http: { port: 0 }',
      'models:',
      '  - id: credit-risk',
      '    task: binary',
      '    owner: { name: Risk ML team, webhook: "http://127.0.0.1:9/hook" }',
      '    features: { age: numeric }',
      '    review: { capacityPerHour: 2, audit: { rate: 0.01 } }',
      '',
    ].join('\n'),
  );

  function startDaemon(): { child: ChildProcess; output: () => string } {
    // Reading standard input that stays open: the daemon runs, holding the database, until it is stopped.
    const child = spawn(process.execPath, [BIN, 'run', '-c', config, '--source', '-', '--log-format', 'json'], {
      cwd,
      env: { ...process.env, VIGIL_KAFKA_BROKERS: '', VIGIL_DATABASE_URL: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    return { child, output: () => output };
  }

  it('refuses a second process with the pid of the holder, and lets it in once the holder is gone', async () => {
    const first = startDaemon();
    try {
      await until(
        'the daemon to open the database',
        () => first.output().includes(' started"'),
        first.child,
        first.output,
      );
      expect(readFileSync(lock, 'utf8').trim()).toBe(String(first.child.pid));

      const refused = await runCli(['queue', 'list', '-c', config], cwd, {});
      expect(refused).toEqual({
        code: 1,
        stdout: '',
        stderr: `error [VIGIL_STORE_LOCKED]: the embedded database ${join(cwd, '.vigil/pglite')} is in use by another Vigil process (pid ${first.child.pid}); stop it, or set database.url (VIGIL_DATABASE_URL) to a PostgreSQL server that several processes can share\n`,
      });
      expect(refused.stderr).not.toMatch(/Aborted|RuntimeError| {4}at /);
      // Refused before PGlite was started: the daemon's lock is untouched, and it still runs.
      expect(readFileSync(lock, 'utf8').trim()).toBe(String(first.child.pid));
      expect(first.child.exitCode).toBeNull();

      // Stopped properly, the daemon removes its lock; the queue opens.
      first.child.stdin?.end();
      first.child.kill('SIGTERM');
      expect(await exited(first.child)).toBe(0);
      expect(existsSync(lock)).toBe(false);
      expect(await runCli(['queue', 'list', '-c', config], cwd, {})).toEqual({
        code: 0,
        stdout: 'No items.\n',
        stderr: '',
      });
      expect(existsSync(lock)).toBe(false);
    } finally {
      first.child.kill('SIGKILL');
    }

    // Killed, a daemon leaves its lock behind, naming a pid that no longer runs: the next command takes it over.
    const second = startDaemon();
    try {
      await until(
        'the second daemon to open the database',
        () => second.output().includes(' started"'),
        second.child,
        second.output,
      );
      second.child.kill('SIGKILL');
      await exited(second.child);
      expect(readFileSync(lock, 'utf8').trim()).toBe(String(second.child.pid));
      expect(await runCli(['queue', 'list', '-c', config], cwd, {})).toEqual({
        code: 0,
        stdout: 'No items.\n',
        stderr: '',
      });
      expect(existsSync(lock)).toBe(false);
    } finally {
      second.child.kill('SIGKILL');
    }
  });
});
