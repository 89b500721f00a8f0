import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FileEventSource, type SourceBatch } from '@vigil/collector';

const topics = { predictions: 'p', labels: 'l' };
const dir = mkdtempSync(join(tmpdir(), 'vigil-file-source-'));
const prediction = (id: number): string =>
  JSON.stringify({ model: 'm', id: `r${id}`, ts: 1_700_000_000_000 + id, features: { x: id }, score: 0.5 });
const label = (id: number): string => JSON.stringify({ model: 'm', id: `r${id}`, label: id % 2 });

/** Runs a source to its end (or until `until` says so) and returns every batch it handed over. */
async function collect(source: FileEventSource, until?: (batches: SourceBatch[]) => boolean): Promise<SourceBatch[]> {
  const batches: SourceBatch[] = [];
  await source.run(async (b) => {
    batches.push(b);
    if (until?.(batches)) await source.close();
  });
  return batches;
}
const values = (batches: SourceBatch[], topic: string): string[] =>
  batches.filter((b) => b.topic === topic).flatMap((b) => b.messages.map((m) => String(m.value)));

describe('FileEventSource', () => {
  it('routes predictions and labels to their topics with contiguous per-topic offsets; bad lines go to the predictions decoder', async () => {
    const lines = [
      prediction(0),
      prediction(1),
      label(0),
      '',
      'not json',
      prediction(2),
      label(1),
      '{"model":"m","id":"r9","label":1,"features":{}}',
    ];
    const path = join(dir, 'mixed.ndjson');
    writeFileSync(path, `${lines.join('\r\n')}\n`);
    const batches = await collect(
      new FileEventSource({ path, topics, offsetsFor: async () => new Map(), batchSize: 3 }),
    );
    expect(values(batches, 'p')).toEqual([
      prediction(0),
      prediction(1),
      'not json',
      prediction(2),
      '{"model":"m","id":"r9","label":1,"features":{}}',
    ]);
    expect(values(batches, 'l')).toEqual([label(0), label(1)]);
    for (const topic of ['p', 'l']) {
      const mine = batches.filter((b) => b.topic === topic);
      mine.forEach((b, i) => {
        expect(b.messages.map((m) => m.offset)).toEqual(
          Array.from({ length: b.messages.length }, (_, k) => String(Number(b.firstOffset) + k)),
        );
        expect(b.nextOffset).toBe(String(Number(b.firstOffset) + b.messages.length));
        if (i > 0) expect(b.firstOffset).toBe(mine[i - 1]?.nextOffset);
      });
    }
  });

  it('resumes after the stored offsets of each topic: nothing applied twice, nothing skipped', async () => {
    const path = join(dir, 'resume.ndjson');
    writeFileSync(path, `${[prediction(0), label(0), prediction(1), prediction(2), label(1), label(2)].join('\n')}\n`);
    const stored = new Map([
      ['p', '2'],
      ['l', '1'],
    ]);
    const batches = await collect(
      new FileEventSource({ path, topics, offsetsFor: async (topic) => new Map([[0, stored.get(topic) as string]]) }),
    );
    expect(values(batches, 'p')).toEqual([prediction(2)]);
    expect(values(batches, 'l')).toEqual([label(1), label(2)]);
    expect(batches.find((b) => b.topic === 'l')?.firstOffset).toBe('1');
  });

  it('--follow reads lines appended later, and never half a line', async () => {
    const path = join(dir, 'follow.ndjson');
    writeFileSync(path, `${prediction(0)}\n`);
    const source = new FileEventSource({
      path,
      topics,
      offsetsFor: async () => new Map(),
      follow: true,
      pollMs: 20,
      batchSize: 1,
    });
    const seen: string[] = [];
    const done = source.run(async (b) => {
      seen.push(...b.messages.map((m) => String(m.value)));
      if (seen.length === 1) {
        appendFileSync(path, `${prediction(1)}\n${prediction(2).slice(0, 10)}`);
        setTimeout(() => appendFileSync(path, `${prediction(2).slice(10)}\n`), 100);
      }
      if (seen.length === 3) await source.close();
    });
    await done;
    expect(seen).toEqual([prediction(0), prediction(1), prediction(2)]);
    expect(source.state).toBe('stopped');
  });

  it('--follow hands over what the file holds so far, without waiting for a full batch', async () => {
    const path = join(dir, 'follow-tail.ndjson');
    writeFileSync(path, `${prediction(0)}\n${label(0)}\n`);
    // The default batch (2000 lines) is far from filled: before, these lines waited for 2000 more, or for close().
    const source = new FileEventSource({ path, topics, offsetsFor: async () => new Map(), follow: true, pollMs: 20 });
    const seen: string[] = [];
    await source.run(async (b) => {
      seen.push(...b.messages.map((m) => String(m.value)));
      if (seen.length === 1) appendFileSync(path, `${prediction(1)}\n`);
      if (seen.length === 3) await source.close();
    });
    expect(seen).toEqual([prediction(0), label(0), prediction(1)]);
  });

  it('- reads a stream (standard input)', async () => {
    const input = Readable.from([Buffer.from(`${prediction(0)}\n${label(0)}`), Buffer.from(`\n${prediction(1)}\n`)]);
    const batches = await collect(new FileEventSource({ path: '-', input, topics, offsetsFor: async () => new Map() }));
    expect(values(batches, 'p')).toEqual([prediction(0), prediction(1)]);
    expect(values(batches, 'l')).toEqual([label(0)]);
  });

  it('retries a failed batch until it is handled, never skipping it', async () => {
    const path = join(dir, 'retry.ndjson');
    writeFileSync(path, `${prediction(0)}\n`);
    let calls = 0;
    const retries: number[] = [];
    const source = new FileEventSource({
      path,
      topics,
      offsetsFor: async () => new Map(),
      onRetry: (_e, attempt) => retries.push(attempt),
    });
    await source.run(async () => {
      if (++calls < 3) throw new Error('database down');
    });
    expect(calls).toBe(3);
    expect(retries).toEqual([1, 2]);
  });

  it('a missing file is one clear error', async () => {
    const source = new FileEventSource({ path: join(dir, 'nope.ndjson'), topics, offsetsFor: async () => new Map() });
    await expect(source.run(async () => undefined)).rejects.toMatchObject({
      code: 'VIGIL_FILE_NOT_FOUND',
      message: expect.stringMatching(/nope\.ndjson: cannot be read \(no such file\)/),
    });
  });
});
