/**
 * A pass in slices between batches (analysis-slices.ts): pure logic, on a clock the test moves.
 */
import { AnalysisSlices } from '../../src/run/analysis-slices';

/** Whether `p` has settled once the event loop has run what is waiting (a setImmediate's worth). */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('AnalysisSlices', () => {
  it('goes on without giving way within a slice', async () => {
    let clock = 0;
    const slices = new AnalysisSlices({ sliceMs: 20, now: () => clock });
    slices.batchStarted();
    slices.passStarted();
    clock = 19;
    expect(await settled(slices.between())).toBe(true);
    expect(slices.yields).toBe(0);
  });

  it('past its slice, waits while a batch is handled until it ends, then starts a new slice', async () => {
    let clock = 0;
    const slices = new AnalysisSlices({ sliceMs: 20, maxWaitMs: 3_600_000, now: () => clock });
    slices.passStarted();
    slices.batchStarted();
    clock = 20;
    const between = slices.between();
    expect(await settled(between)).toBe(false);
    expect(slices.batches).toBe(1);
    slices.batchEnded();
    expect(await settled(between)).toBe(true);
    expect(slices.batches).toBe(0);
    expect([slices.yields, slices.waits]).toEqual([1, 1]);
    // The next slice starts when it went on.
    clock = 39;
    slices.batchStarted();
    expect(await settled(slices.between())).toBe(true);
    expect(slices.yields).toBe(1);
  });

  it('with two batches being handled, goes on once either ends', async () => {
    let clock = 0;
    const slices = new AnalysisSlices({ sliceMs: 5, maxWaitMs: 3_600_000, now: () => clock });
    slices.passStarted();
    slices.batchStarted();
    slices.batchStarted();
    clock = 5;
    const between = slices.between();
    expect(await settled(between)).toBe(false);
    slices.batchEnded();
    expect(await settled(between)).toBe(true);
    expect(slices.batches).toBe(1);
  });

  it('past its slice without a batch being handled, only lets the event loop run', async () => {
    let clock = 0;
    const slices = new AnalysisSlices({ sliceMs: 20, now: () => clock });
    slices.passStarted();
    clock = 25;
    let ranBefore = false;
    // An I/O callback queued before the pass gives way (a fetched batch) runs before the pass goes on.
    setImmediate(() => (ranBefore = true));
    await slices.between();
    expect(ranBefore).toBe(true);
    expect([slices.yields, slices.waits]).toEqual([1, 0]);
  });

  it('a batch that never ends holds the pass no longer than maxWaitMs', async () => {
    let clock = 0;
    const slices = new AnalysisSlices({ sliceMs: 1, maxWaitMs: 5, now: () => clock });
    slices.passStarted();
    slices.batchStarted();
    clock = 2;
    await slices.between();
    expect([slices.yields, slices.waits, slices.batches]).toEqual([1, 1, 1]);
  });

  it('an infinite slice never gives way', async () => {
    let clock = 0;
    const slices = new AnalysisSlices({ sliceMs: Infinity, now: () => clock });
    slices.passStarted();
    slices.batchStarted();
    clock = 1e12;
    expect(await settled(slices.between())).toBe(true);
    expect(slices.yields).toBe(0);
  });
});
