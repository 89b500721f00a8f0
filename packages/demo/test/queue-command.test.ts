import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { queueCommand } from '../src/flights-demo';

describe("the demo's closing hint (queueCommand)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-path-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names vigil when an executable of that name is on the PATH', () => {
    writeFileSync(join(dir, 'vigil'), '#!/bin/sh\n');
    chmodSync(join(dir, 'vigil'), 0o755);
    expect(queueCommand('/tmp/demo out', `/nowhere:${dir}`)).toBe(
      "cd '/tmp/demo out' && vigil queue list -c vigil.yaml",
    );
  });

  it("names the clone's executable by its path when vigil is not on the PATH (setup --no-link)", () => {
    const executable = resolve(__dirname, '..', '..', 'daemon', 'bin', 'vigil');
    expect(queueCommand('/tmp/out', '/nowhere')).toBe(`cd /tmp/out && ${executable} queue list -c vigil.yaml`);
    // A file named vigil that is not executable does not count.
    const plain = mkdtempSync(join(tmpdir(), 'vigil-plain-'));
    writeFileSync(join(plain, 'vigil'), 'not a program');
    chmodSync(join(plain, 'vigil'), 0o644);
    try {
      expect(queueCommand('/tmp/out', plain)).toBe(`cd /tmp/out && ${executable} queue list -c vigil.yaml`);
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });
});
