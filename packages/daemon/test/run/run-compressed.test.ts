/**
 * Compressed topics through the built `vigil run` and the real broker: predictions that kcat (librdkafka) produced in
 * gzip, Snappy, LZ4 and ZSTD batches, one after the other on the model's partition, and labels in ZSTD batches, end
 * with exactly the rows of the same events uncompressed. And a batch that does not decompress: the daemon stays up,
 * says which codec failed and why, is not ready, and does not move past it; once the batch reads again, it goes on.
 */
import { get } from 'node:http';
import {
  CODEC_IDS,
  corruptStoredBatch,
  type KafkaCodec,
  kcatProduce,
  storedBatches,
  makeEvents,
  type TestEvent,
  roughly,
} from '@vigil/test-kit';
import {
  type Daemon,
  exited,
  httpPort,
  labelEvents,
  MIN,
  openHarness,
  T0,
  waitFor,
} from '@vigil/test-kit/daemon-harness';

jest.setTimeout(240_000);

/** `model<TAB>event` lines: kcat keys each message by its model, as `vigil replay` does. */
const keyed = (events: readonly unknown[]): string[] =>
  events.map((e) => `${(e as { model: string }).model}\t${JSON.stringify(e)}`);

function readyz(port: number): Promise<{ status: number; body: { ready: boolean; reasons: string[] } }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/readyz' }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { ready: boolean; reasons: string[] } }),
      );
    }).on('error', reject);
  });
}

const events = (seed: number): TestEvent[] => [
  ...makeEvents({ n: 4000, start: T0, stepMs: 3000, seed }),
  ...makeEvents({ n: 1, start: T0 + 5 * 60 * MIN, seed: seed + 1, idPrefix: 'closer' }),
];

describe('vigil run and compressed topics', () => {
  it('consumes gzip, Snappy, LZ4 and ZSTD batches of another producer and ends with the rows of the events uncompressed', async () => {
    const h = await openHarness('run-compressed', ['credit-risk'], 2);
    try {
      const all = events(61);
      const codecs: KafkaCodec[] = ['gzip', 'snappy', 'lz4', 'zstd'];
      // Consecutive quarters of the stream in the four codecs, twice over, so batches of each follow batches of the others.
      const parts = 8;
      const size = Math.ceil(all.length / parts);
      for (let i = 0; i < parts; i++)
        kcatProduce(h.predictions, keyed(all.slice(i * size, (i + 1) * size)), codecs[i % codecs.length]!, {
          keyed: true,
        });
      const labels = labelEvents(all);
      kcatProduce(h.labels, keyed(labels), 'zstd', { keyed: true });
      const stored = [0, 1].flatMap((p) => storedBatches(h.predictions, p));
      expect(new Set(stored.map((b) => b.codec))).toEqual(new Set(codecs.map((c) => CODEC_IDS[c])));
      expect(stored.reduce((n, b) => n + b.records, 0)).toBe(all.length);

      const daemon = h.start();
      await waitFor(
        'every message consumed and the windows analysed',
        () => h.settled({ predictions: all.length, labels: labels.length }),
        [daemon],
      );
      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
      expect(daemon.output()).not.toMatch(/does not decompress|not implemented/);
      expect(await h.store.deadLetters.list()).toEqual([]);
      expect(await h.rows()).toEqual(roughly(await h.expectedRows(all)));
    } finally {
      await h.cleanup();
    }
  });

  it('a batch that does not decompress: the daemon stays up, names the codec, is not ready and holds its offsets; restored, it goes on', async () => {
    const h = await openHarness('run-corrupt', ['credit-risk'], 1);
    let daemon: Daemon | undefined;
    try {
      const all = events(71);
      const thirds = [all.slice(0, 1500), all.slice(1500, 3000), all.slice(3000)];
      for (const third of thirds) kcatProduce(h.predictions, keyed(third), 'lz4', { partition: 0, keyed: true });
      const labels = labelEvents(all);
      await h.produce('l.ndjson', h.labels, labels);
      const batches = storedBatches(h.predictions, 0);
      expect(batches.map((b) => b.codec)).toEqual(batches.map(() => CODEC_IDS.lz4));
      // The batch holding the 2,000th event: the ones before it can be read, none after it until it is restored.
      const corruptIndex = batches.findIndex((b) => Number(b.baseOffset) + b.records > 2000);
      const corrupt = batches[corruptIndex]!;
      const repair = corruptStoredBatch(h.predictions, 0, corrupt);
      let repaired = false;
      try {
        // kafkajs retries with its production timings (jest sets NODE_ENV=test, which shortens them).
        const nodeEnv = process.env.NODE_ENV;
        process.env.NODE_ENV = 'production';
        try {
          daemon = h.start();
        } finally {
          process.env.NODE_ENV = nodeEnv;
        }
        const d = daemon;
        const port = await httpPort(d);
        const started = Date.now();
        await waitFor(
          'the consumer restarting with the codec error',
          async () => /kafka consumer crashed; it restarts/.test(d.output()),
          [d],
          90_000,
        );
        const firstRestartS = (Date.now() - started) / 1000;
        // Everything before the corrupt batch may be committed; nothing at or after it.
        await new Promise((r) => setTimeout(r, 5000));
        expect(d.exitCode).toBeNull();
        expect(await h.committed(h.predictions)).toBeLessThanOrEqual(Number(corrupt.baseOffset));
        const ready = await readyz(port);
        expect(ready).toEqual({ status: 503, body: { ready: false, reasons: expect.arrayContaining(['kafka']) } });
        const lines = d
          .output()
          .split('\n')
          .filter((l) => /does not decompress/.test(l));
        expect(lines.length).toBeGreaterThan(0);
        for (const line of lines)
          expect(line).toMatch(
            /kafka: a record batch compressed with LZ4 \(\d+ bytes\) does not decompress: not an LZ4 frame/,
          );
        console.log(
          `first restart ${firstRestartS.toFixed(1)} s after start; ${lines.length} log lines name the batch; e.g.\n${lines.slice(0, 2).join('\n')}\n` +
            d
              .output()
              .split('\n')
              .filter((l) => /crashed; it restarts/.test(l))
              .slice(0, 1)
              .join('\n'),
        );

        repair.restore();
        repaired = true;
        await waitFor(
          'every message consumed and the windows analysed',
          () => h.settled({ predictions: all.length, labels: labels.length }),
          [d],
        );
        // Ready again once every consumer has fetched since the batch was restored: one may still be waiting out
        // its restart back-off when the other has consumed the rest.
        await waitFor('the daemon ready again', async () => (await readyz(port)).body.ready === true, [d], 60_000);
        expect((await readyz(port)).body).toEqual({ ready: true, reasons: [] });
        d.kill('SIGTERM');
        expect(await exited(d)).toBe(0);
        expect(await h.store.deadLetters.list()).toEqual([]);
        expect(await h.rows()).toEqual(roughly(await h.expectedRows(all)));
      } finally {
        if (!repaired) repair.restore();
      }
    } finally {
      await h.cleanup();
    }
  });
});
