import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVigilError } from '@vigil/core';
import { prepareOutputDirectory, writeOutputFile } from '../../src/cli/output-path';

describe('output paths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-output-'));
  const file = join(dir, 'a-file');
  beforeAll(() => writeFileSync(file, 'x'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The message of the VIGIL_OUTPUT_UNWRITABLE error `fn` throws. */
  async function refusal(fn: () => unknown): Promise<string> {
    try {
      await fn();
    } catch (error) {
      if (isVigilError(error, 'VIGIL_OUTPUT_UNWRITABLE') && !error.retriable) return error.message;
      throw error;
    }
    throw new Error('accepted');
  }

  it('creates a missing output directory with its parents, and accepts an existing one', () => {
    prepareOutputDirectory(join(dir, 'a/b/c'), 'vigil x');
    prepareOutputDirectory(join(dir, 'a/b/c'), 'vigil x');
    expect(statSync(join(dir, 'a/b/c')).isDirectory()).toBe(true);
  });

  it('refuses a file as the output directory, or a path through a file, naming the path and the reason', async () => {
    expect(await refusal(() => prepareOutputDirectory(file, 'vigil demo --adult'))).toBe(
      `vigil demo --adult: cannot write to ${file}: it is a file, and the output must be a directory (created when missing)`,
    );
    expect(await refusal(() => prepareOutputDirectory(join(file, 'x'), 'vigil demo'))).toBe(
      `vigil demo: cannot write to ${join(file, 'x')}: a part of the path is a file, not a directory`,
    );
  });

  it('writes a file, and refuses one whose directory is missing', async () => {
    await writeOutputFile(join(dir, 'r.json'), '{}', 'vigil report');
    expect(readFileSync(join(dir, 'r.json'), 'utf8')).toBe('{}');
    expect(await refusal(() => writeOutputFile(join(dir, 'missing/r.json'), '{}', 'vigil report'))).toBe(
      `vigil report: cannot write to ${join(dir, 'missing/r.json')}: its directory does not exist`,
    );
    expect(await refusal(() => writeOutputFile(dir, '{}', 'vigil report'))).toBe(
      `vigil report: cannot write to ${dir}: it is a directory`,
    );
  });
});
