import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BINARY = 'prometheus-alertmanager';

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

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

/**
 * The real Prometheus Alertmanager (Debian package) on a free loopback port with a temporary storage folder and
 * clustering off. Fails (never skips) when the binary is missing. With `webhookUrl`, its one receiver posts its
 * notifications there (Alertmanager's webhook format) after short group waits; without, it notifies nobody.
 */
export class OwnAlertmanager {
  private proc: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'vigil-alertmanager-'));
  private log = '';
  private port = 0;
  url = '';

  constructor(private readonly options: { webhookUrl?: string } = {}) {}

  async start(): Promise<this> {
    if (spawnSync(BINARY, ['--version']).status !== 0) {
      throw new Error(
        `${BINARY} is not installed: this test needs the real Alertmanager; install it with \`bash scripts/services/install.sh\` (Debian package prometheus-alertmanager)`,
      );
    }
    if (this.port === 0) this.port = await freePort();
    const port = this.port;
    const config = join(this.dir, 'alertmanager.yml');
    writeFileSync(
      config,
      this.options.webhookUrl === undefined
        ? 'route:\n  receiver: sink\n  group_wait: 1h\nreceivers:\n  - name: sink\n'
        : [
            'route:',
            '  receiver: sink',
            '  group_by: [dedupKey]',
            '  group_wait: 100ms',
            '  group_interval: 1s',
            '  repeat_interval: 1h',
            'receivers:',
            '  - name: sink',
            '    webhook_configs:',
            `      - url: "${this.options.webhookUrl}"`,
            '        send_resolved: true',
            '',
          ].join('\n'),
    );
    this.proc = spawn(
      BINARY,
      [
        `--config.file=${config}`,
        `--storage.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.proc.stderr?.on('data', (b: Buffer) => void (this.log = (this.log + b.toString()).slice(-4000)));
    this.url = `http://127.0.0.1:${port}`;
    for (;;) {
      if (this.proc.exitCode !== null) throw new Error(`${BINARY} exited during start-up:\n${this.log}`);
      const ready = await fetch(`${this.url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return this;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** GET /api/v2/alerts (active, silenced and inhibited alerts). */
  async alerts(): Promise<AlertmanagerAlert[]> {
    const res = await fetch(`${this.url}/api/v2/alerts`);
    return (await res.json()) as never;
  }

  /** Stops it and starts it again on the same port and storage: it comes back knowing no alert. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private async stop(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null) {
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGTERM');
      });
    }
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
