import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli';

/** Data that contradicts a declared kind: the error keeps its file:line first and says where the kind was declared. */
describe('a text value in a column declared numeric', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'vigil-declared-kind-'));
  const reference = join(cwd, 'reference.csv');
  writeFileSync(reference, ['age,region,score', '31,south,0.2', '45,north,0.7', ''].join('\n'));
  const config = join(cwd, 'vigil.yaml');
  writeFileSync(
    config,
    [
      'x-model: &model', // 1
      '  task: binary', // 2
      '  owner: { name: Risk ML team, webhook: "http://127.0.0.1:9/hook" }', // 3
      '  features:', // 4
      '    age: numeric', // 5
      '    region: numeric', // 6
      'models:', // 7
      '  - <<: *model', // 8
      '    id: merged', // 9
      '  - id: own', // 10
      '    task: binary', // 11
      '    owner: { name: Risk ML team, webhook: "http://127.0.0.1:9/hook" }', // 12
      '    features: { age: numeric, region: numeric }', // 13
      '',
    ].join('\n'),
  );
  const fix = 'declare it categorical if it holds text';

  it('in a reference file, with the line of vigil.yaml that declares it', async () => {
    const own = await runCli(['reference', 'fit', '-c', 'vigil.yaml', '--model', 'own', '--file', reference], cwd);
    expect(own.code).toBe(2);
    expect(own.stderr).toBe(
      `error [VIGIL_BAD_VALUE]: ${reference}:2: column "region": "south" is not a number (declared numeric at vigil.yaml:13; ${fix})\n`,
    );
    // A feature merged from a template is declared at the template's line.
    const merged = await runCli(
      ['reference', 'fit', '-c', 'vigil.yaml', '--model', 'merged', '--file', reference],
      cwd,
    );
    expect(merged.stderr).toContain(`"south" is not a number (declared numeric at vigil.yaml:6; ${fix})`);
  }, 60_000);

  it('in vigil report, declared by --features or by the model of -c', async () => {
    const report = ['report', '--reference', reference, '--current', reference, '--html', join(cwd, 'r.html')];
    const byFlag = await runCli([...report, '--features', 'age:numeric,region:numeric'], cwd);
    expect(byFlag.code).toBe(2);
    expect(byFlag.stderr).toBe(
      `error [VIGIL_BAD_VALUE]: ${reference}:2: column "region": "south" is not a number (declared numeric by --features; ${fix})\n`,
    );
    const byModel = await runCli([...report, '-c', 'vigil.yaml', '--model', 'own'], cwd);
    expect(byModel.stderr).toContain(
      `${reference}:2: column "region": "south" is not a number (declared numeric at vigil.yaml:13; ${fix})`,
    );
    // Declared categorical: read as text, no error.
    expect(await runCli([...report, '--features', 'age:numeric,region:categorical'], cwd)).toMatchObject({ code: 0 });
  }, 60_000);
});
