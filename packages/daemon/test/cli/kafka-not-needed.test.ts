import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli';

/**
 * A vigil.yaml whose kafka section leaves the brokers to VIGIL_KAFKA_BROKERS, in a shell that has not exported it: the
 * commands that only use the database work, `vigil run` refuses (found by a newcomer's trial).
 */
describe('commands that do not read Kafka, with a kafka section without brokers', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'vigil-no-brokers-'));
  const config = join(cwd, 'vigil.yaml');
  const env = { USER: 'dana' };
  writeFileSync(
    config,
    [
      'kafka:',
      '  groupId: vigil-prod',
      '  topics: { predictions: ml.predictions }',
      'models:',
      '  - id: credit-risk',
      '    task: binary',
      '    owner: { name: Risk ML team, webhook: "http://127.0.0.1:9/hook" }',
      '    features: { age: numeric }',
      '',
    ].join('\n'),
  );

  it('vigil run refuses, naming the key', async () => {
    const run = await runCli(['run', '-c', config], cwd, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('vigil.yaml:1: kafka.brokers: is required');
  });

  it('migrate, incidents, review, queue, dlq list, audit, model list/show and model pause/resume work', async () => {
    const commands = [
      ['migrate', '-c', config],
      ['incidents', 'list', '-c', config],
      ['review', 'list', '-c', config],
      ['queue', 'list', '-c', config],
      ['dlq', 'list', '-c', config],
      ['model', 'pause', 'credit-risk', '-c', config, '--reason', 'trial'],
      ['model', 'resume', 'credit-risk', '-c', config, '--reason', 'trial over'],
      ['audit', '-c', config, '--json'],
      ['model', 'list', '-c', config],
    ];
    for (const args of commands) {
      const r = await runCli(args, cwd, env);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
    }
    const audit = await runCli(['audit', '-c', config, '--json'], cwd, env);
    expect(JSON.parse(audit.stdout)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'trial' }),
        expect.objectContaining({ reason: 'trial over' }),
      ]),
    );
  }, 120_000);

  it('reference fit --file needs no brokers; --from/--to does', async () => {
    const file = join(cwd, 'reference.csv');
    writeFileSync(
      file,
      ['age,score', ...Array.from({ length: 50 }, (_, i) => `${20 + i},${(i % 10) / 10}`), ''].join('\n'),
    );
    const fit = await runCli(['reference', 'fit', '-c', config, '--model', 'credit-risk', '--file', file], cwd, env);
    expect(fit).toMatchObject({ code: 0, stderr: '' });
    const range = ['--from', '2026-11-01T00:00:00Z', '--to', '2026-11-02T00:00:00Z'];
    const fromKafka = await runCli(['reference', 'fit', '-c', config, '--model', 'credit-risk', ...range], cwd, env);
    expect(fromKafka.code).toBe(2);
    expect(fromKafka.stderr).toContain('kafka.brokers: is required');
  }, 60_000);

  it('dlq replay takes its brokers from --brokers, and says where else they can come from', async () => {
    const replay = await runCli(['dlq', 'replay', '-c', config], cwd, env);
    expect(replay.code).toBe(2);
    expect(replay.stderr).toContain('no Kafka brokers: pass --brokers, a configuration with kafka.brokers');
    const dry = await runCli(['dlq', 'replay', '-c', config, '--brokers', '127.0.0.1:9', '--dry-run'], cwd, env);
    expect(dry).toMatchObject({ code: 0, stderr: '', stdout: 'Would replay 0 dead letter(s): none\n' });
  }, 60_000);
});
