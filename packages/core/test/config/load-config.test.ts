import { isVigilError, loadConfig } from '@vigil/core';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_ENV, EXAMPLE_PATH, MINIMAL } from './config-test-helpers';

describe('loadConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the example file', async () => {
    const config = await loadConfig(EXAMPLE_PATH, EXAMPLE_ENV);
    expect(config.models.map((m) => m.id)).toEqual(['credit-risk', 'house-prices']);
  });

  it('resolves relative files against the directory of the configuration', async () => {
    const path = join(dir, 'vigil.yaml');
    await writeFile(path, `${MINIMAL}    reference: { file: ref.csv }\n`);
    expect((await loadConfig(path, {})).models[0]?.reference).toEqual({ file: join(dir, 'ref.csv') });
  });

  it('names the file in its problems', async () => {
    const path = join(dir, 'bad.yaml');
    await writeFile(path, 'models: nope\n');
    await expect(loadConfig(path, {})).rejects.toThrow(`${path}:1: models: must be a list, not "nope"`);
  });

  it('names the file as given while resolving its relative files against where it is', async () => {
    await writeFile(join(dir, 'named.yaml'), `${MINIMAL}    reference: { file: ref.csv }\n`);
    const config = await loadConfig(join(dir, 'named.yaml'), {}, 'named.yaml');
    expect(config.models[0]?.reference).toEqual({ file: join(dir, 'ref.csv') });
    await writeFile(join(dir, 'bad-named.yaml'), 'models: nope\n');
    await expect(loadConfig(join(dir, 'bad-named.yaml'), {}, 'conf/bad-named.yaml')).rejects.toThrow(
      /^conf\/bad-named\.yaml: 1 problem in the configuration:\n {2}conf\/bad-named\.yaml:1: models: must be a list/,
    );
    await expect(loadConfig(join(dir, 'gone.yaml'), {}, 'gone.yaml')).rejects.toThrow(
      /^gone\.yaml: no such file \(the configuration file\)$/,
    );
  });

  it('reports a missing file', async () => {
    const error: unknown = await loadConfig(join(dir, 'missing.yaml'), {}).catch((e: unknown) => e);
    expect(isVigilError(error, 'VIGIL_FILE_NOT_FOUND')).toBe(true);
    expect((error as Error).message).toContain('missing.yaml: no such file');
  });

  it('reads process.env by default', async () => {
    const path = join(dir, 'env.yaml');
    await writeFile(path, MINIMAL);
    process.env.VIGIL_HTTP_PORT = '9123';
    try {
      expect((await loadConfig(path)).http.port).toBe(9123);
    } finally {
      delete process.env.VIGIL_HTTP_PORT;
    }
  });
});
