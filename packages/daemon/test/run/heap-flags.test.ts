import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { daemonHeapFlags, nodeFlagsOf, RUN_HEAP_GROWING_PERCENT } from '../../src/run/heap-flags';

const BIN = join(__dirname, '../../dist/bin.js');

describe('the V8 flags vigil run sets on itself', () => {
  it('sets the heap growing factor for run only', () => {
    expect(daemonHeapFlags(['run', '-c', 'vigil.yaml'], [])).toEqual([`--heap-growing-percent=${RUN_HEAP_GROWING_PERCENT}`]);
    expect(daemonHeapFlags(['report', '--reference', 'a.csv'], [])).toEqual([]);
    expect(daemonHeapFlags(['demo'], [])).toEqual([]);
    expect(daemonHeapFlags([], [])).toEqual([]);
  });

  it('leaves the factor to the operator when node was given one, on its command line or in NODE_OPTIONS', () => {
    expect(daemonHeapFlags(['run'], nodeFlagsOf(['--heap-growing-percent=200'], undefined))).toEqual([]);
    expect(daemonHeapFlags(['run'], nodeFlagsOf([], '--max-old-space-size=512  --heap_growing_percent=80'))).toEqual([]);
    // Other flags do not count as the operator's choice of this one.
    expect(daemonHeapFlags(['run'], nodeFlagsOf(['--max-semi-space-size=4'], '--heap-growing'))).toHaveLength(1);
  });

  it('are flags this node knows: the binary starts without V8 complaining', () => {
    const out = spawnSync(process.execPath, [BIN, 'run', '--help'], { encoding: 'utf8' });
    expect(out.stderr).not.toMatch(/unrecognized flag/i);
    expect(out.stdout).toContain('Usage: vigil run');
    expect(out.status).toBe(0);
  });
});
