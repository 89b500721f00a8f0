/** `vigil run --log-format`: readable lines for people, JSON lines for collectors (the default into a pipe). */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestTopic, kafkaBrokers, uniqueName } from '@vigil/test-kit';
import { runCli } from './run-cli';

jest.setTimeout(120_000);

const BIN = join(__dirname, '../../dist/bin.js');

/** Starts the built `vigil run`, stops it with SIGTERM once it has started, and returns its stderr. */
function runUntilStarted(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('VIGIL_') && k !== 'FORCE_COLOR'),
    );
    const child = spawn(process.execPath, [BIN, 'run', ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let stopped = false;
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (!stopped && /vigil run started/.test(stderr)) {
        stopped = true;
        child.kill('SIGTERM');
      }
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(killer);
      done({ code, stderr });
    });
  });
}

describe('vigil run --log-format', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'vigil-run-format-'));
  const config = join(cwd, 'vigil.yaml');
  // vigil run looks its three topics up first, and refuses to start while one is missing.
  const topics: Array<Awaited<ReturnType<typeof createTestTopic>>> = [];
  beforeAll(async () => {
    for (const label of ['format-p', 'format-l', 'format-c']) topics.push(await createTestTopic(label, 1));
    const [predictions, labels, control] = topics.map((t) => t.topic);
    writeFileSync(
      config,
      `kafka: { brokers: [${kafkaBrokers().join(', ')}], groupId: ${uniqueName('format')}, topics: { predictions: ${predictions}, labels: ${labels}, control: ${control} } }
http: { port: 0 }
models:
  - { id: m, task: binary, owner: { name: t, webhook: "http://127.0.0.1:9/h" }, features: { x: numeric } }
`,
    );
  });
  afterAll(async () => {
    rmSync(cwd, { recursive: true, force: true });
    await Promise.all(topics.map((t) => t.drop()));
  });

  it('text: `time LEVEL message key=value` lines; json (the default into a pipe): one object a line', async () => {
    const [text, json] = await Promise.all([
      runUntilStarted(['-c', config, '--log-format', 'text'], mkdtempSync(join(cwd, 'text-'))),
      runUntilStarted(['-c', config], mkdtempSync(join(cwd, 'json-'))),
    ]);
    expect([text.code, json.code]).toEqual([0, 0]);
    const textLines = text.stderr.trim().split('\n');
    expect(textLines.find((l) => l.includes('vigil run started'))).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}vigil run started {2}http=127\.0\.0\.1:\d+ database="embedded PGlite database in [^"]+" brokers=\[[^\]]+\] groupId=\S+ consumers=2 alertQueue=in-process$/,
    );
    expect(textLines.filter((l) => l.startsWith('{'))).toEqual([]);
    const records = json.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(records.map((r) => r.msg)).toEqual(expect.arrayContaining(['vigil run started', 'stopped']));
  });

  it('refuses a format it does not know', async () => {
    expect(await runCli(['run', '-c', config, '--log-format', 'xml'], cwd)).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error [VIGIL_USAGE]: vigil run: --log-format "xml" is not one of text, json\nRun \'vigil run --help\' for usage.\n',
    });
  });
});

describe('vigil run --source and a table file', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'vigil-run-table-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('refuses a CSV, TSV or Parquet file before starting (before: every line a dead letter, exit 0)', async () => {
    writeFileSync(join(cwd, 'predictions.csv'), 'age,score,label\n41,0.2,0\n');
    writeFileSync(join(cwd, 'predictions.dat'), Buffer.from('PAR1\u0000\u0000\u0000\u0000PAR1'));
    const csv = await runCli(['run', '-c', 'vigil.yaml', '--source', 'predictions.csv'], cwd);
    expect(csv).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error [VIGIL_FILE_FORMAT]: vigil run: --source predictions.csv is a CSV file, and --source reads prediction and label events as NDJSON, one JSON object a line (docs/events.md); to analyse a file of predictions against a reference, use vigil report --reference REF --current predictions.csv\n',
    });
    const parquet = await runCli(['run', '-c', 'vigil.yaml', '--source', 'predictions.dat'], cwd);
    expect(parquet.code).toBe(2);
    expect(parquet.stderr).toMatch(
      /^error \[VIGIL_FILE_FORMAT\]: vigil run: --source predictions\.dat is a Parquet file/,
    );
  });

  it('lets NDJSON through, whatever its first line holds (a bad line is a dead letter, as on Kafka)', async () => {
    writeFileSync(join(cwd, 'events.ndjson'), 'not json\n{"model": "m"}\n');
    // Past the source's check, the missing configuration is what stops it.
    const r = await runCli(['run', '-c', 'missing.yaml', '--source', 'events.ndjson'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error \[VIGIL_FILE_NOT_FOUND\]: .*missing\.yaml: no such file \(the configuration file\)/,
    );
  });

  // Before: the absolute path (`/tmp/…/conf/bad.yaml:1: …`) whatever the user typed.
  it('names the configuration as the user gave it, relative or not, as git and kubectl do', async () => {
    mkdirSync(join(cwd, 'conf'), { recursive: true });
    writeFileSync(join(cwd, 'conf', 'bad.yaml'), 'models: nope\n');
    for (const given of ['conf/bad.yaml', './conf/../conf/bad.yaml', join(cwd, 'conf', 'bad.yaml')]) {
      const r = await runCli(['run', '-c', given], cwd);
      expect(r).toEqual({
        code: 2,
        stdout: '',
        stderr: `error [VIGIL_CONFIG_INVALID]: ${given}: 1 problem in the configuration:\n  ${given}:1: models: must be a list, not "nope"\n`,
      });
    }
    const missing = await runCli(['run', '-c', 'conf/missing.yaml'], cwd);
    expect(missing.stderr).toBe(
      'error [VIGIL_FILE_NOT_FOUND]: conf/missing.yaml: no such file (the configuration file)\n',
    );
  });
});
