/**
 * Reference files fitted once per fingerprint (decision 0034): models with the same file and settings share one fit,
 * and a later start reads the fit back from the store instead of fitting again. Real parts: the real migrations on
 * PostgreSQL and PGlite, CSV files on disk, the real fitter.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, parseConfig, type Logger, type VigilConfig } from '@vigil/core';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';
import { referenceEvents } from '@vigil/test-kit/daemon-harness';
import { fitModelReference } from '../../src/pipeline/fit-reference';
import { fitReferenceFiles, referenceFiles } from '../../src/run/reference-fits';
import { profileFingerprint } from '../../src/run/version-profiles';

jest.setTimeout(120_000);

interface LogRecord {
  msg: string;
  level?: string;
  model?: string;
  fitted?: number;
  kept?: number;
  reused?: string[];
}

function capture(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const logger = createLogger({
    level: 'info',
    format: 'json',
    write: (line) => records.push(JSON.parse(line) as LogRecord),
  });
  return { logger, records };
}

/** Three models on one CSV file: two with the same settings, one with another threshold (another fit). */
function setup(dir: string): VigilConfig {
  writeFileSync(
    join(dir, 'reference.csv'),
    [
      'age,income,region,score,label',
      ...referenceEvents().map(
        (e) => `${e.features.age ?? ''},${e.features.income},${e.features.region},${e.score},${e.label ?? ''}`,
      ),
    ].join('\n') + '\n',
  );
  const model = (id: string, threshold: number) => `
  - id: ${id}
    task: binary
    threshold: ${threshold}
    owner: { name: Risk team, webhook: 'http://127.0.0.1:9/hook' }
    features: { age: numeric, income: numeric, region: categorical }
    reference: { file: reference.csv }`;
  return parseConfig(`models:${model('a', 0.5)}${model('b', 0.5)}${model('c', 0.3)}\n`, join(dir, 'vigil.yaml'), {});
}

describe.each(BACKENDS)('reference fits on %s', (kind) => {
  let dir: string;
  let backend: TestBackend;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-reference-fits-'));
    backend = await openBackend(kind, 'fits');
  });
  afterEach(async () => {
    await backend.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fits each distinct file and settings once, and a later start reads the same profiles back without fitting', async () => {
    const config = setup(dir);
    const store = await backend.newStore();
    const first = capture();
    const cold = await fitReferenceFiles(await referenceFiles(config.models, dir), store, first.logger);
    expect(first.records.find((r) => r.msg.startsWith('reference files:'))).toMatchObject({
      fitted: 2,
      kept: 0,
      reused: ['b'],
    });
    expect(
      first.records.filter((r) => r.msg === 'reference profile fitted from the configured file').map((r) => r.model),
    ).toEqual(['a', 'c']);
    // a and b share one profile; c's threshold gives another fit.
    expect(cold.get('a')).toBe(cold.get('b'));
    expect(cold.get('c')).not.toBe(cold.get('a'));
    // What the fitter gives for each model, unchanged by the trip through JSON (no value JSON cannot hold).
    for (const model of config.models) {
      const { profile } = await fitModelReference(model, join(dir, 'reference.csv'));
      expect(cold.get(model.id)).toEqual(profile);
      expect(profileFingerprint(cold.get(model.id))).toBe(profileFingerprint(profile));
    }
    expect(cold.get('c')!.cbpe).toBeDefined();

    const second = capture();
    const warm = await fitReferenceFiles(
      await referenceFiles(config.models, dir),
      await backend.newStore(),
      second.logger,
    );
    expect(second.records.find((r) => r.msg.startsWith('reference files:'))).toMatchObject({ fitted: 0, kept: 2 });
    expect(second.records.filter((r) => r.msg === 'reference profile fitted from the configured file')).toEqual([]);
    expect(second.records.find((r) => r.msg.startsWith('reference files:'))?.reused).toEqual(['a', 'b', 'c']);
    for (const id of ['a', 'b', 'c']) expect(warm.get(id)).toEqual(cold.get(id));
  });

  it('fits a file again when its content changes, and keeps the fits no start uses for 30 days only', async () => {
    const config = setup(dir);
    const store = await backend.newStore();
    const before = await fitReferenceFiles(await referenceFiles(config.models, dir), store, capture().logger);
    appendFileSync(join(dir, 'reference.csv'), '99,1000000,north,0.99,1\n');
    const changed = capture();
    const after = await fitReferenceFiles(await referenceFiles(config.models, dir), store, changed.logger);
    expect(changed.records.find((r) => r.msg.startsWith('reference files:'))).toMatchObject({ fitted: 2, kept: 0 });
    const { profile } = await fitModelReference(config.models[0]!, join(dir, 'reference.csv'));
    expect(after.get('a')).toEqual(profile);
    expect(profileFingerprint(after.get('a'))).not.toBe(profileFingerprint(before.get('a')));

    // The two fits of the old content, unused for 31 days, go at the next start; the two in use stay.
    const client = await backend.newClient();
    const count = async () =>
      Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM vigil_reference_fits')).rows[0]!.n);
    expect(await count()).toBe(4);
    const keys = (await referenceFiles(config.models, dir)).map((f) => f.key!);
    await client.query(
      `UPDATE vigil_reference_fits SET used_at = now() - interval '31 days' WHERE NOT fingerprint = ANY($1::text[])`,
      [keys],
    );
    await client.query(`UPDATE vigil_reference_fits SET used_at = now() - interval '29 days' WHERE fingerprint = $1`, [
      keys[0],
    ]);
    await fitReferenceFiles(await referenceFiles(config.models, dir), store, capture().logger);
    expect(await count()).toBe(2);
  });

  it('warns at every start, with why, when a labelled reference gives no performance estimate', async () => {
    // The labels as words: no CBPE, so the windows would have no estimated* rows.
    writeFileSync(
      join(dir, 'words.csv'),
      [
        'age,income,region,score,label',
        ...referenceEvents().map(
          (e) =>
            `${e.features.age ?? ''},${e.features.income},${e.features.region},${e.score},${e.label === undefined ? '' : e.label === 1 ? 'yes' : 'no'}`,
        ),
      ].join('\n') + '\n',
    );
    const config = parseConfig(
      `models:
  - id: credit
    task: binary
    owner: { name: Risk team, webhook: 'http://127.0.0.1:9/hook' }
    features: { age: numeric, income: numeric, region: categorical }
    reference: { file: words.csv }
  - id: numbers
    task: binary
    owner: { name: Risk team, webhook: 'http://127.0.0.1:9/hook' }
    features: { age: numeric, income: numeric, region: categorical }
    reference: { file: reference.csv }
`,
      join(dir, 'vigil.yaml'),
      {},
    );
    setup(dir);
    const store = await backend.newStore();
    const first = referenceEvents().find((e) => e.label !== undefined)!.label === 1 ? 'yes' : 'no';
    const warning = `no performance estimate for credit: the reference's label column "label" holds "${first}", not 0/1 (map its values to 0 and 1, 1 the positive class, to estimate performance)`;
    for (const start of ['cold', 'warm']) {
      const log = capture();
      const profiles = await fitReferenceFiles(await referenceFiles(config.models, dir), store, log.logger);
      expect([start, log.records.filter((r) => r.msg.startsWith('no performance estimate'))]).toEqual([
        start,
        [expect.objectContaining({ msg: warning, model: 'credit', level: 'warn' })],
      ]);
      // The reason travels with the fit, not in the profile a version is pinned to.
      const { profile, noEstimate } = await fitModelReference(config.models[0]!, join(dir, 'words.csv'));
      expect(noEstimate).toBe(warning.slice('no performance estimate for credit: '.length));
      expect(profileFingerprint(profiles.get('credit'))).toBe(profileFingerprint(profile));
      expect(profiles.get('credit')!.cbpe).toBeUndefined();
      expect(profiles.get('numbers')!.cbpe).toBeDefined();
    }
  });

  it('refuses a missing reference file before the store is opened, as before', async () => {
    const config = setup(dir);
    rmSync(join(dir, 'reference.csv'));
    await expect(referenceFiles(config.models, dir)).rejects.toMatchObject({ code: 'VIGIL_FILE_NOT_FOUND' });
  });
});
