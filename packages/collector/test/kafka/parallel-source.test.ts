import { ParallelSource, type BatchHandler, type PredictionSource, type SourceState } from '@vigil/collector';

/** A source of pure logic: hands over its batches, then waits until closed (or fails with `failWith`). */
class ListSource implements PredictionSource {
  state: SourceState = 'created';
  closed = 0;
  private stop!: () => void;
  private readonly stopped = new Promise<void>((resolve) => (this.stop = resolve));

  constructor(
    private readonly partition: number,
    private readonly count: number,
    private readonly failWith?: Error,
  ) {}

  async run(handler: BatchHandler): Promise<void> {
    this.state = 'running';
    for (let i = 0; i < this.count; i++)
      await handler({
        topic: 't',
        partition: this.partition,
        messages: [],
        firstOffset: String(i),
        nextOffset: String(i + 1),
      });
    if (this.failWith) {
      this.state = 'failed';
      throw this.failWith;
    }
    await this.stopped;
    this.state = 'stopped';
  }

  async close(): Promise<void> {
    this.closed++;
    this.stop();
  }
}

describe('ParallelSource', () => {
  it("hands every source's batches to the one handler, in each source's order, and closes them all", async () => {
    const sources = [new ListSource(0, 5), new ListSource(1, 3)];
    const parallel = new ParallelSource(sources);
    const seen: string[] = [];
    const running = parallel.run(async (b) => {
      seen.push(`${b.partition}:${b.firstOffset}`);
      await new Promise((r) => setImmediate(r));
    });
    while (seen.length < 8) await new Promise((r) => setImmediate(r));
    expect(parallel.state).toBe('running');
    await parallel.close();
    await running;
    expect(parallel.state).toBe('stopped');
    expect(seen.filter((s) => s.startsWith('0:'))).toEqual(['0:0', '0:1', '0:2', '0:3', '0:4']);
    expect(seen.filter((s) => s.startsWith('1:'))).toEqual(['1:0', '1:1', '1:2']);
    // Interleaved: the second source's batches did not wait for the first source's.
    expect(seen.indexOf('1:0')).toBeLessThan(seen.indexOf('0:4'));
    expect(sources.map((s) => s.closed)).toEqual([1, 1]);
  });

  it('when one source fails, closes the others and rejects with its error', async () => {
    const failing = new ListSource(1, 2, new Error('broker gone'));
    const healthy = new ListSource(0, 2);
    const parallel = new ParallelSource([healthy, failing]);
    await expect(parallel.run(async () => undefined)).rejects.toThrow('broker gone');
    expect(healthy.closed).toBe(1);
    expect(parallel.state).toBe('failed');
  });

  it('refuses to be made of no source', () => {
    expect(() => new ParallelSource([])).toThrow(/at least one source/);
  });
});
