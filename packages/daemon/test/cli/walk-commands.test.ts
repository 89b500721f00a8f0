/**
 * Issue 11: every command ends a failure in one line `error [VIGIL_…]: …` and exit code 1 or 2, never a stack
 * trace or "internal error". The built CLI (a child process, as users run it) is walked through every command with
 * (a) an output path it cannot write (whose parent is a regular file or does not exist: the tests may run as
 * root, who may write anywhere else) and (b) each service it uses unreachable: Kafka at 127.0.0.1:1, PostgreSQL at
 * postgres://127.0.0.1:1/x, Redis at redis://127.0.0.1:1.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '@vigil/store';

jest.setTimeout(300_000);

const BIN = join(__dirname, '../../dist/bin.js');
const GOLDEN = join(__dirname, '../golden/small');
const KAFKA = '127.0.0.1:1';
const POSTGRES = 'postgres://127.0.0.1:1/x';
const REDIS = 'redis://127.0.0.1:1';

interface Case {
  name: string;
  args: string[];
  /** The code the error line must carry. */
  code: string;
  /** 1: may pass on retry (a service is down); 2: refused. */
  exit: 1 | 2;
}

function config(sections: { kafka?: string; database?: string; redis?: string }): string {
  return [
    ...(sections.kafka ? [`kafka: { brokers: ["${sections.kafka}"] }`] : []),
    ...(sections.database ? [`database: { url: "${sections.database}" }`] : []),
    ...(sections.redis ? [`redis: { url: "${sections.redis}" }`] : []),
    'http: { port: 0 }',
    'models:',
    '  - { id: m, task: binary, owner: { name: t, webhook: "http://127.0.0.1:9/h" }, features: { x1: numeric } }',
    '',
  ].join('\n');
}

/** Runs the built CLI in `cwd` with no VIGIL_ settings and no forced colour. */
function runBuilt(args: string[], cwd: string): Promise<{ code: number | null; output: string; stderr: string }> {
  return new Promise((done, fail) => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('VIGIL_') && k !== 'FORCE_COLOR'),
    );
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => void (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(killer);
      done({ code, output: `${stdout}\n${stderr}`, stderr });
    });
  });
}

describe('every command fails with one error line, never a stack trace', () => {
  const root = mkdtempSync(join(tmpdir(), 'vigil-walk-'));
  const file = join(root, 'a-file');
  const events = join(root, 'events.ndjson');
  const unreachable = join(root, 'unreachable.yaml');
  const kafkaOnly = join(root, 'kafka-only.yaml');
  const redisOnly = join(root, 'redis-only.yaml');
  const reference = join(GOLDEN, 'reference.csv');
  const current = join(GOLDEN, 'current.csv');
  /** Cheap flights demos: the service is reached after reading and training. */
  const demo = ['demo', '--every', '1000', '--limit', '100', '--epochs', '1', '--out'];

  const cases: Case[] = [
    // (a) outputs that cannot be written
    // report's --json and --html: these two wait for the lead's fix in report-command.ts (the file is written unguarded there).
    {
      // A missing directory is created (README's `--json out/report.json`); one under a device cannot be.
      name: 'report --json into a directory that cannot be made',
      args: ['report', '--reference', reference, '--current', current, '--json', '/dev/null/dir/r.json'],
      code: 'VIGIL_OUTPUT_UNWRITABLE',
      exit: 2,
    },
    {
      name: 'report --html under a file',
      args: ['report', '--reference', reference, '--current', current, '--html', join(file, 'r.html')],
      code: 'VIGIL_OUTPUT_UNWRITABLE',
      exit: 2,
    },
    {
      name: 'dashboards --out under a file',
      args: ['dashboards', '--out', join(file, 'x')],
      code: 'VIGIL_OUTPUT_UNWRITABLE',
      exit: 2,
    },
    { name: 'dashboards --out a file', args: ['dashboards', '--out', file], code: 'VIGIL_OUTPUT_UNWRITABLE', exit: 2 },
    {
      name: 'demo --out under a file',
      args: ['demo', '--out', join(file, 'x')],
      code: 'VIGIL_OUTPUT_UNWRITABLE',
      exit: 2,
    },
    {
      name: 'demo --adult --out an existing file',
      args: ['demo', '--adult', '--out', file],
      code: 'VIGIL_OUTPUT_UNWRITABLE',
      exit: 2,
    },
    // (b) PostgreSQL unreachable
    { name: 'migrate', args: ['migrate', '-c', unreachable], code: 'VIGIL_STORE_UNAVAILABLE', exit: 1 },
    { name: 'dlq list', args: ['dlq', 'list', '-c', unreachable], code: 'VIGIL_STORE_UNAVAILABLE', exit: 1 },
    { name: 'dlq replay', args: ['dlq', 'replay', '-c', unreachable], code: 'VIGIL_STORE_UNAVAILABLE', exit: 1 },
    {
      name: 'incidents list',
      args: ['incidents', 'list', '-c', unreachable],
      code: 'VIGIL_STORE_UNAVAILABLE',
      exit: 1,
    },
    {
      name: 'incidents ack',
      args: ['incidents', 'ack', 'inc_1', '--reason', 'x', '-c', unreachable],
      code: 'VIGIL_STORE_UNAVAILABLE',
      exit: 1,
    },
    {
      name: 'incidents resolve',
      args: ['incidents', 'resolve', 'inc_1', '--reason', 'x', '-c', unreachable],
      code: 'VIGIL_STORE_UNAVAILABLE',
      exit: 1,
    },
    {
      name: 'incidents silence',
      args: ['incidents', 'silence', '-c', unreachable, '--model', 'm', '--for', '1h', '--reason', 'x'],
      code: 'VIGIL_STORE_UNAVAILABLE',
      exit: 1,
    },
    {
      name: 'review open',
      args: ['review', 'open', '-c', unreachable, '--model', 'm', '--reason', 'x'],
      code: 'VIGIL_STORE_UNAVAILABLE',
      exit: 1,
    },
    { name: 'queue list', args: ['queue', 'list', '-c', unreachable], code: 'VIGIL_STORE_UNAVAILABLE', exit: 1 },
    {
      name: 'queue claim',
      args: ['queue', 'claim', '--next', '-c', unreachable],
      code: 'VIGIL_STORE_UNAVAILABLE',
      exit: 1,
    },
    {
      name: 'queue verdict',
      args: ['queue', 'verdict', '1', '--verdict', 'agree', '--reason', 'x', '-c', unreachable],
      code: 'VIGIL_STORE_UNAVAILABLE',
      exit: 1,
    },
    { name: 'model list', args: ['model', 'list', '-c', unreachable], code: 'VIGIL_STORE_UNAVAILABLE', exit: 1 },
    { name: 'model show', args: ['model', 'show', 'm', '-c', unreachable], code: 'VIGIL_STORE_UNAVAILABLE', exit: 1 },
    {
      name: 'model pause',
      args: ['model', 'pause', 'm', '-c', unreachable, '--reason', 'x'],
      code: 'VIGIL_STORE_UNAVAILABLE',
      exit: 1,
    },
    {
      name: 'model resume',
      args: ['model', 'resume', 'm', '-c', unreachable, '--reason', 'x'],
      code: 'VIGIL_STORE_UNAVAILABLE',
      exit: 1,
    },
    {
      name: 'reference fit --file',
      args: ['reference', 'fit', '-c', unreachable, '--model', 'm', '--file', reference],
      code: 'VIGIL_STORE_UNAVAILABLE',
      exit: 1,
    },
    { name: 'run (database)', args: ['run', '-c', unreachable], code: 'VIGIL_STORE_UNAVAILABLE', exit: 1 },
    {
      name: 'demo --database',
      args: [...demo, 'out-db', '--database', POSTGRES],
      code: 'VIGIL_STORE_UNAVAILABLE',
      exit: 1,
    },
    // Kafka unreachable (the database is the embedded one in the case's own directory)
    { name: 'replay', args: ['replay', events, '--brokers', KAFKA], code: 'VIGIL_KAFKA_UNAVAILABLE', exit: 1 },
    {
      name: 'dlq replay (Kafka), a dead letter pending',
      args: ['dlq', 'replay', '--brokers', KAFKA],
      code: 'VIGIL_KAFKA_UNAVAILABLE',
      exit: 1,
    },
    {
      name: 'reference fit --from --to',
      args: [
        'reference',
        'fit',
        '-c',
        kafkaOnly,
        '--model',
        'm',
        '--from',
        '2026-01-01T00:00:00Z',
        '--to',
        '2026-01-02T00:00:00Z',
      ],
      code: 'VIGIL_KAFKA_UNAVAILABLE',
      exit: 1,
    },
    { name: 'run (Kafka)', args: ['run', '-c', kafkaOnly], code: 'VIGIL_KAFKA_UNAVAILABLE', exit: 1 },
    { name: 'demo --kafka', args: [...demo, 'out-kafka', '--kafka', KAFKA], code: 'VIGIL_KAFKA_UNAVAILABLE', exit: 1 },
    // Redis unreachable
    { name: 'run (Redis)', args: ['run', '-c', redisOnly], code: 'VIGIL_QUEUE_UNAVAILABLE', exit: 1 },
    { name: 'demo --redis', args: [...demo, 'out-redis', '--redis', REDIS], code: 'VIGIL_QUEUE_UNAVAILABLE', exit: 1 },
  ];
  const results = new Map<string, { code: number | null; output: string; stderr: string }>();

  beforeAll(async () => {
    writeFileSync(file, 'not a directory\n');
    writeFileSync(events, '{"model":"m","id":"e1","ts":"2026-01-01T00:00:00Z","features":{"x1":1},"score":0.5}\n');
    writeFileSync(unreachable, config({ kafka: KAFKA, database: POSTGRES, redis: REDIS }));
    writeFileSync(kafkaOnly, config({ kafka: KAFKA }));
    writeFileSync(redisOnly, config({ kafka: KAFKA, redis: REDIS }));
    // Each case in a directory of its own: those on the embedded database must not share it.
    const dirs = cases.map((_, i) => join(root, `case-${i}`));
    for (const dir of dirs) mkdirSync(dir);
    const dlqDir = dirs[cases.findIndex((c) => c.name.startsWith('dlq replay (Kafka)'))]!;
    const store = await createStore({ dataDir: join(dlqDir, '.vigil/pglite') });
    try {
      const raw = Buffer.from('{"model":"added-later"}');
      await store.batches.apply(
        {
          groupId: 'g',
          offsets: [],
          buckets: [],
          deadLetters: [
            {
              topic: 'vigil.predictions',
              partition: 0,
              offset: 1,
              code: 'VIGIL_DECODE_UNKNOWN_MODEL',
              reason: 'test',
              raw,
            },
          ],
        },
        (a) => a,
      );
    } finally {
      await store.close();
    }
    // A few at a time: the Kafka and Redis cases mostly wait for the client's retries, the demos read and train.
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < cases.length; i = next++)
        results.set(cases[i]!.name, await runBuilt(cases[i]!.args, dirs[i]!));
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = results.get(c.name)!;
    const errorLines = r.stderr.split('\n').filter((l) => /^error \[VIGIL_[A-Z_]+\]: /.test(l));
    expect({ exit: r.code, errorLines: errorLines.map((l) => l.slice(0, l.indexOf(']') + 1)) }).toEqual({
      exit: c.exit,
      errorLines: [`error [${c.code}]`],
    });
    expect(r.output).not.toContain('internal error');
    expect(r.output).not.toContain('VIGIL_INTERNAL');
    expect(r.output).not.toMatch(/^ {4}at |\\n {4}at /m);
  });
});
