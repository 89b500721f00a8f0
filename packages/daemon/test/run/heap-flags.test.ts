import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { daemonHeapFlags } from '../../src/run/heap-flags';

const BIN = join(__dirname, '../../dist/bin.js');

describe('the V8 flags vigil run sets on itself', () => {
  it('sets the heap growing factor, for run only, and leaves the young generation to V8', () => {
    expect(daemonHeapFlags(['run', '-c', 'vigil.yaml'], [])).toEqual(['--heap-growing-percent=100']);
    expect(daemonHeapFlags(['report', '--reference', 'a.csv'], [])).toEqual([]);
    expect(daemonHeapFlags(['demo'], [])).toEqual([]);
    expect(daemonHeapFlags([], [])).toEqual([]);
  });

  it("leaves a flag to the operator when node's command line has it", () => {
    expect(daemonHeapFlags(['run'], ['--heap-growing-percent=200'])).toEqual([]);
    expect(daemonHeapFlags(['run'], ['--max-old-space-size=512', '--heap_growing_percent=80'])).toEqual([]);
    // Other flags, or a prefix of the name, do not count as the operator's choice.
    expect(daemonHeapFlags(['run'], ['--max-semi-space-size=1', '--heap-growing'])).toEqual([
      '--heap-growing-percent=100',
    ]);
  });

  it('the documented override starts: node takes both flags on its command line', () => {
    const out = spawnSync(
      process.execPath,
      ['--heap-growing-percent=0', '--max-semi-space-size=1', BIN, 'run', '--help'],
      { encoding: 'utf8' },
    );
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
  });

  it('are flags this node knows: the binary starts without V8 complaining', () => {
    const out = spawnSync(process.execPath, [BIN, 'run', '--help'], { encoding: 'utf8' });
    expect(out.stderr).not.toMatch(/unrecognized flag/i);
    expect(out.stdout).toContain('Usage: vigil run');
    expect(out.status).toBe(0);
  });
});
