import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HOW = 'install it with `bash scripts/services/install.sh` (Debian package redis-server)';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A Redis of the test's own on a free loopback port, without persistence, so fault tests can flush or restart it
 * without touching the shared one. Fails (never skips) when redis-server is not installed.
 */
export class OwnRedis {
  private proc: ChildProcess | undefined;
  private dir = mkdtempSync(join(tmpdir(), 'vigil-redis-'));
  port = 0;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    if (spawnSync('redis-server', ['--version']).status !== 0)
      throw new Error(`redis-server is not installed: these tests need it; ${HOW}`);
    if (this.port === 0) this.port = await freePort();
    this.proc = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir],
      { stdio: 'ignore' },
    );
    for (;;) {
      if (this.cli('PING') === 'PONG') return this;
      if (this.proc.exitCode !== null) throw new Error(`redis-server exited during start-up on port ${this.port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Runs one command with redis-cli and returns its output. */
  cli(...args: string[]): string {
    const r = spawnSync('redis-cli', ['-p', String(this.port), ...args], { encoding: 'utf8' });
    return (r.stdout ?? '').trim();
  }

  /** Kills the server (its data is lost: no persistence) and starts a new one on the same port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
