import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { queueCommand } from '../src/flights-demo';

describe("the demo's closing hint (queueCommand)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-path-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const executable = resolve(__dirname, '..', '..', 'daemon', 'bin', 'vigil');

  it("names vigil when the first vigil on the PATH is this clone's (linked, as scripts/link-vigil.sh does)", () => {
    symlinkSync(executable, join(dir, 'vigil'));
    expect(queueCommand('/tmp/demo out', `/nowhere:${dir}`)).toBe(
      "cd '/tmp/demo out' && vigil queue list -c vigil.yaml",
    );
  });

  it("names this clone's executable when the first vigil on the PATH is another checkout's", () => {
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'vigil'), '#!/bin/sh\n');
    chmodSync(join(other, 'vigil'), 0o755);
    // Another checkout first: its code would read this demo's database.
    expect(queueCommand('/tmp/out', `${other}:${dir}`)).toBe(`cd /tmp/out && ${executable} queue list -c vigil.yaml`);
  });

  it("names the clone's executable by its path when vigil is not on the PATH (setup --no-link)", () => {
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
