import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReferenceProfile } from '@vigil/analyzers';
import { createStore } from '@vigil/store';
import { profileFingerprint } from '../../src/run/version-profiles';
import { runCli } from './run-cli';

/** The commands on the embedded PGlite database (./.vigil/pglite of the working directory), as a newcomer runs them. */
describe('vigil migrate, reference fit and dlq list on the embedded database', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'vigil-store-cli-'));
  const config = join(cwd, 'vigil.yaml');
  writeFileSync(
    config,
    [
      'models:',
      '  - id: golden-small',
      '    task: binary',
      '    owner: { name: Test team, webhook: "http://127.0.0.1:9/hook" }',
      '    features: { x1: numeric, x2: numeric, x3: numeric, c1: categorical, c2: categorical }',
      '',
    ].join('\n'),
  );

  it('applies the migrations once', async () => {
    const first = await runCli(['migrate'], cwd);
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(/^Applied migrations 1.* to the embedded PGlite database in .*\.vigil\/pglite/);
    const again = await runCli(['migrate'], cwd);
    expect(again.stdout).toMatch(/is up to date/);
  }, 60_000);

  it('fits, stores and reloads the reference profile of a model version', async () => {
    const file = join(__dirname, '../golden/small/reference.csv');
    const r = await runCli(
      ['reference', 'fit', '-c', config, '--model', 'golden-small', '--file', file, '--version', '7'],
      cwd,
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      /Stored the reference profile of golden-small version 7: 400 rows, 5 features, and the score/,
    );
    const store = await createStore({ dataDir: join(cwd, '.vigil/pglite') });
    try {
      const stored = await store.profiles.loadReference<ReferenceProfile>('golden-small', '7');
      expect(stored?.profile.features.map((f) => `${f.name}:${f.kind}`)).toEqual([
        'x1:numeric',
        'x2:numeric',
        'x3:numeric',
        'c1:categorical',
        'c2:categorical',
      ]);
      expect(stored?.profile.rows).toBe(400);
    } finally {
      await store.close();
    }
  }, 60_000);

  it("warns when the reference's labels are words, which give no performance estimate", async () => {
    const words = join(cwd, 'words.csv');
    writeFileSync(
      words,
      readFileSync(join(__dirname, '../golden/small/reference.csv'), 'utf8')
        .replace(/,1\.0$/gm, ',yes')
        .replace(/,0\.0$/gm, ',no'),
    );
    const r = await runCli(
      ['reference', 'fit', '-c', config, '--model', 'golden-small', '--file', words, '--version', 'w1'],
      cwd,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'warning: no performance estimate for golden-small version w1: the reference\'s label column "label" holds "yes", not 0/1 (map its values to 0 and 1, 1 the positive class, to estimate performance)\n',
    );
  }, 60_000);

  it('refuses to store a profile for a version binned with another one, and accepts the same one again', async () => {
    const file = join(__dirname, '../golden/small/reference.csv');
    const current = join(__dirname, '../golden/small/current.csv');
    const fit = ['reference', 'fit', '-c', config, '--model', 'golden-small', '--version', '8', '--file'];
    expect((await runCli([...fit, file], cwd)).code).toBe(0);
    // What a daemon does when version 8's first events are counted: pin the profile it bins them with.
    const store = await createStore({ dataDir: join(cwd, '.vigil/pglite') });
    try {
      const stored = (await store.profiles.loadReference<ReferenceProfile>('golden-small', '8'))!.profile;
      await store.profiles.pin('golden-small', '8', profileFingerprint(stored), stored);
    } finally {
      await store.close();
    }
    expect(await runCli([...fit, file], cwd)).toMatchObject({ code: 0, stderr: '' });
    const refused = await runCli([...fit, current], cwd);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /VIGIL_CONFLICT.*golden-small version 8 has been binned with another profile since .*deploy the new reference as a new version/,
    );
  }, 60_000);

  it('lists dead letters with where they came from and why', async () => {
    expect((await runCli(['dlq', 'list'], cwd)).stdout).toBe('No dead letters.\n');
    const store = await createStore({ dataDir: join(cwd, '.vigil/pglite') });
    try {
      await store.batches.apply(
        {
          groupId: 'vigil',
          offsets: [{ topic: 'vigil.predictions', partition: 2, firstOffset: '41', nextOffset: '42' }],
          buckets: [],
          deadLetters: [
            {
              topic: 'vigil.predictions',
              partition: 2,
              offset: '41',
              code: 'VIGIL_DECODE_INVALID_JSON',
              reason: 'not JSON at byte 7',
              raw: Buffer.from('{"model": oops'),
            },
          ],
        },
        (a) => a,
      );
    } finally {
      await store.close();
    }
    const list = await runCli(['dlq', 'list'], cwd);
    expect(list.stdout).toMatch(
      /vigil\.predictions\/2@41 {2}VIGIL_DECODE_INVALID_JSON\n {4}not JSON at byte 7\n {4}\{"model": oops/,
    );
    const json = JSON.parse((await runCli(['dlq', 'list', '--json'], cwd)).stdout);
    expect(Buffer.from(json[0].raw, 'base64').toString()).toBe('{"model": oops');
    expect((await runCli(['dlq', 'list', '--limit', '0'], cwd)).stderr).toMatch(
      /--limit "0" must be a positive integer/,
    );
    // After retention erased its bytes, the row says so instead of showing an empty message.
    const later = await createStore({ dataDir: join(cwd, '.vigil/pglite') });
    const erasedAt = Date.now() + 86_400_000;
    try {
      expect(await later.retention.apply(erasedAt, { deadLetterRawMs: 1 })).toEqual({
        deadLettersErased: 1,
        predictionsDeleted: null,
      });
    } finally {
      await later.close();
    }
    expect((await runCli(['dlq', 'list'], cwd)).stdout).toMatch(
      new RegExp(
        `not JSON at byte 7\n {4}\\(14 bytes, erased by retention at ${new Date(erasedAt).toISOString().replace(/\./g, '\\.')}\\)\n$`,
      ),
    );
    expect(JSON.parse((await runCli(['dlq', 'list', '--json'], cwd)).stdout)[0]).toMatchObject({
      raw: '',
      rawBytes: 14,
      rawErasedAt: erasedAt,
      reason: 'not JSON at byte 7',
    });
  }, 60_000);

  it('says on stderr when --limit cut the list of dead letters', async () => {
    const store = await createStore({ dataDir: join(cwd, '.vigil/pglite') });
    try {
      await store.batches.apply(
        {
          groupId: 'vigil',
          offsets: [{ topic: 'vigil.predictions', partition: 2, firstOffset: '42', nextOffset: '43' }],
          buckets: [],
          deadLetters: [
            {
              topic: 'vigil.predictions',
              partition: 2,
              offset: '42',
              code: 'VIGIL_DECODE_MISSING_FIELD',
              reason: 'no score',
              raw: Buffer.from('{"model": "m"}'),
            },
          ],
        },
        (a) => a,
      );
    } finally {
      await store.close();
    }
    const cut = await runCli(['dlq', 'list', '--limit', '1'], cwd);
    expect(cut.code).toBe(0);
    expect(cut.stdout).toMatch(
      /^\d+ {2}\S+ {2}vigil\.predictions\/2@42 {2}VIGIL_DECODE_MISSING_FIELD\n {4}no score\n {4}\{"model": "m"\}\n$/,
    );
    expect(cut.stderr).toBe(
      'Showing the newest 1 dead letter not yet replayed; more match: a larger --limit shows more.\n',
    );
    const cutJson = await runCli(['dlq', 'list', '--limit', '1', '--json', '--all'], cwd);
    expect(JSON.parse(cutJson.stdout)).toHaveLength(1);
    expect(cutJson.stderr).toBe('Showing the newest 1 dead letter; more match: a larger --limit shows more.\n');
    const whole = await runCli(['dlq', 'list', '--limit', '2'], cwd);
    expect(whole).toMatchObject({ code: 0, stderr: '' });
    expect(whole.stdout.match(/vigil\.predictions\/2@4[12]/g)).toEqual([
      'vigil.predictions/2@42',
      'vigil.predictions/2@41',
    ]);
  }, 60_000);
});

/** ./.vigil/pglite may be a symbolic link (to a larger disk, a shared folder): PGlite's own file system cannot follow one. */
describe('an embedded database folder that is a symbolic link', () => {
  it('is opened through the link: the migrations land in the folder it points to, and stay', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'vigil-linked-'));
    const elsewhere = join(mkdtempSync(join(tmpdir(), 'vigil-linked-target-')), 'pglite');
    mkdirSync(elsewhere);
    mkdirSync(join(cwd, '.vigil'));
    symlinkSync(elsewhere, join(cwd, '.vigil/pglite'));
    const first = await runCli(['migrate'], cwd);
    expect(first).toEqual({
      code: 0,
      stdout: expect.stringMatching(
        /^Applied migrations 1, .* to the embedded PGlite database in .*\.vigil\/pglite\n$/,
      ),
      stderr: '',
    });
    expect(existsSync(join(elsewhere, 'PG_VERSION'))).toBe(true);
    const again = await runCli(['migrate'], cwd);
    expect(again.stdout).toMatch(/is up to date/);
  }, 60_000);

  it('a link to nowhere is refused with a code and the reason, never [object Object]', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'vigil-linked-'));
    mkdirSync(join(cwd, '.vigil'));
    symlinkSync(join(cwd, 'gone'), join(cwd, '.vigil/pglite'));
    const r = await runCli(['migrate'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error [VIGIL_STORE_UNAVAILABLE]: cannot open the embedded database in ${join(cwd, '.vigil/pglite')}: ENOENT: no such file or directory, mkdir '${join(cwd, '.vigil/pglite')}'\n`,
    );
  }, 60_000);
});
