/** `vigil run` stops on SIGTERM/SIGINT from its first moments, not only once its modules and configuration are loaded. */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catchStopSignals } from '../../src/cli/stop-signals';

jest.setTimeout(120_000);

const BIN = join(__dirname, '../../dist/bin.js');

describe('catchStopSignals', () => {
  // Jest's `process` is a sandbox's: the handlers are called through emit, as node calls them on a signal.
  it('resolves with the first signal; dispose removes its handlers', async () => {
    const before = process.listenerCount('SIGUSR2');
    const stop = catchStopSignals(['SIGUSR2']);
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    process.emit('SIGUSR2', 'SIGUSR2');
    await expect(stop.received).resolves.toBe('SIGUSR2');
    stop.dispose();
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });
});

describe('vigil run and an early SIGTERM', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-early-stop-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a SIGTERM while the configuration is being read gets "stopping as soon as start-up is done", then exit 0', async () => {
    // The configuration is a FIFO: opening it for writing returns once `vigil run` opens it to read, that is after its
    // modules have loaded and before start-up; the signal is sent then, and the configuration written after it.
    const config = join(dir, 'vigil.yaml');
    execFileSync('mkfifo', [config]);
    writeFileSync(join(dir, 'events.ndjson'), '');
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('VIGIL_') && k !== 'FORCE_COLOR'),
    );
    const child = spawn(
      process.execPath,
      [BIN, 'run', '-c', config, '--source', 'events.ndjson', '--follow', '--log-format', 'text'],
      { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.on('close', (code, signal) => done({ code, signal })),
    );
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const fifo = await open(config, 'w');
    child.kill('SIGTERM');
    await fifo.writeFile(
      'http: { port: 0 }\nmodels:\n  - { id: m, task: binary, owner: { name: t, webhook: "http://127.0.0.1:9/h" }, features: { x: numeric } }\n',
    );
    await fifo.close();
    const outcome = await exited;
    clearTimeout(killer);
    // Before: killed by the signal (exit 143 in a shell), nothing on stderr.
    expect(outcome).toEqual({ code: 0, signal: null });
    const messages = stderr
      .trim()
      .split('\n')
      .map((l) => l.replace(/^\S+ INFO {2}/, '').split('  ')[0]);
    expect(messages).toContain(
      'stopping as soon as start-up is done (the database and the references are being prepared)',
    );
    expect(messages[messages.length - 1]).toBe('stopped');
  });
});
