/**
 * Issue 11, finding 4: the CLI behaves like kubectl and git: --version, `vigil help CMD` and `CMD --help` on every
 * command and group, "did you mean" for commands, colour on a terminal only (NO_COLOR, --no-color), --quiet.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandIo, main } from '../src/main';
import type { ProcessIo } from '../src/cli/command-io';
import { useColor } from '../src/cli/palette';
import { vigilVersion } from '../src/version';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function vigil(args: string[], io: Partial<ProcessIo> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd: process.cwd(),
    env: {},
    ...io,
  });
  return { code, stdout, stderr };
}

const ESC = '\x1b[';
const COMMANDS = [
  'report',
  'demo',
  'run',
  'reference fit',
  'replay',
  'dashboards',
  'dlq list',
  'dlq replay',
  'incidents list',
  'incidents ack',
  'incidents resolve',
  'incidents silence',
  'review open',
  'model list',
  'model show',
  'model pause',
  'model resume',
  'migrate',
];
const GROUPS = {
  reference: ['fit'],
  dlq: ['list', 'replay'],
  incidents: ['list', 'ack', 'resolve', 'silence'],
  review: ['open'],
  model: ['list', 'show', 'pause', 'resume'],
};

describe('vigil --version', () => {
  it('prints the version of packages/daemon/package.json, as `vigil version` does', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')) as { version: string };
    expect(vigilVersion()).toBe(version);
    expect(await vigil(['--version'])).toEqual({ code: 0, stdout: `vigil ${version}\n`, stderr: '' });
    expect(await vigil(['version'])).toEqual({ code: 0, stdout: `vigil ${version}\n`, stderr: '' });
  });
});

describe('help', () => {
  it('lists every command in the global help', async () => {
    const help = await vigil(['--help']);
    expect(help.code).toBe(0);
    for (const command of COMMANDS) expect(help.stdout).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
    expect(await vigil(['help'])).toEqual(help);
    // Without a command: the same text, but it is a usage error.
    expect((await vigil([])).code).toBe(2);
  });

  it.each(COMMANDS)('vigil %s: --help, -h and `vigil help` print its usage and options', async (command) => {
    const words = command.split(' ');
    const help = await vigil([...words, '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(new RegExp(`^Usage:[^\\n]*vigil ${command}`));
    expect(help.stdout).toMatch(/^ {2}(-\w, )? *--[\w-]+ .*\S/m);
    expect(help.stderr).toBe('');
    expect(await vigil([...words, '-h'])).toEqual(help);
    expect(await vigil(['help', ...words])).toEqual(help);
  });

  it('vigil run --help lists all of its options, with a description each', async () => {
    const { stdout } = await vigil(['run', '--help']);
    for (const option of [
      '-c, --config FILE',
      '--log-level LEVEL',
      '--log-format FORMAT',
      '--maintain-every-ms MS',
      '--max-analysis-lag-ms MS',
      '-h, --help',
    ]) {
      expect(stdout).toMatch(new RegExp(`^ +${option} +\\w`, 'm'));
    }
  });

  it.each(Object.entries(GROUPS))(
    'vigil %s alone prints the group help and exits 2; with --help it exits 0',
    async (group, subs) => {
      const alone = await vigil([group]);
      expect(alone.code).toBe(2);
      expect(alone.stdout).toBe('');
      expect(alone.stderr).toMatch(new RegExp(`^Usage: vigil ${group} <command>`));
      for (const sub of subs) expect(alone.stderr).toMatch(new RegExp(`^  ${sub} +\\S`, 'm'));
      const help = await vigil([group, '--help']);
      expect(help).toEqual({ code: 0, stdout: alone.stderr, stderr: '' });
      expect(await vigil(['help', group])).toEqual(help);
    },
  );
});

describe('unknown commands', () => {
  it.each([
    [['reprot'], 'unknown command "reprot"; did you mean "report"?'],
    [['dashbaords', '--out', 'x'], 'unknown command "dashbaords"; did you mean "dashboards"?'],
    [['incident', 'list'], 'unknown command "incident"; did you mean "incidents"?'],
    [['dlq', 'lsit'], 'unknown command "vigil dlq lsit"; did you mean "vigil dlq list"?'],
    [['model', 'stop'], 'unknown command "vigil model stop"; the model commands are list, show, pause, resume'],
    [['frobnicate'], 'unknown command "frobnicate"; run "vigil help" for the commands'],
    [['help', 'reprot'], 'unknown command "reprot"; did you mean "report"?'],
    [['report', '--refrence', 'r.csv'], 'vigil report: unknown option --refrence; did you mean --reference?'],
    [['run', '--log-fromat', 'text'], 'vigil run: unknown option --log-fromat; did you mean --log-format?'],
  ])('vigil %j: a usage error with a suggestion, exit 2', async (args, message) => {
    // A known command's usage error adds the one hint line; an unknown command's message says where to look.
    const hint = args[0] === 'report' || args[0] === 'run' ? `Run 'vigil ${args[0]} --help' for usage.\n` : '';
    expect(await vigil(args)).toEqual({ code: 2, stdout: '', stderr: `error [VIGIL_USAGE]: ${message}\n${hint}` });
  });
});

// Issue 12, a new user's trial: a usage error printed the whole help (~40 lines), and a threshold that is not a
// number was "out of range". Now: the error and one hint line, as git and kubectl do.
describe('usage errors', () => {
  it('vigil report --threshold abc: not a number, in one line and a hint, exit 2', async () => {
    const r = await vigil(['report', '--reference', 'r.csv', '--current', 'c.csv', '--threshold', 'abc']);
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error [VIGIL_USAGE]: vigil report: --threshold "abc" is not a number; give a number from 0 to 1\nRun \'vigil report --help\' for usage.\n',
    });
    const range = await vigil(['report', '--reference', 'r.csv', '--current', 'c.csv', '--threshold', '1.5']);
    expect(range.stderr).toBe(
      'error [VIGIL_USAGE]: vigil report: --threshold "1.5" is out of range (a number from 0 to 1)\nRun \'vigil report --help\' for usage.\n',
    );
  });

  it('every problem of a report command line in the one error line, never the help', async () => {
    const r = await vigil(['report', '--fdr', 'x', '--min-group-size', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toEqual([
      'error [VIGIL_USAGE]: vigil report: --reference FILE is required; --current FILE is required; --min-group-size "0" is out of range (a whole number of at least 1); --fdr "x" is not a number; give a number between 0 and 1, exclusive',
      "Run 'vigil report --help' for usage.",
      '',
    ]);
    expect(r.stderr).not.toContain('Options:');
  });

  it("a command's own usage errors get the hint too; other failures do not", async () => {
    expect((await vigil(['incidents', 'list', '--limit', 'x'])).stderr).toBe(
      'error [VIGIL_USAGE]: vigil incidents list: --limit "x" must be an integer from 1 to 1000\nRun \'vigil incidents list --help\' for usage.\n',
    );
    const missing = await vigil(['report', '--reference', '/nonexistent/r.csv', '--current', '/nonexistent/c.csv']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).not.toContain('for usage');
  });
});

describe('colour', () => {
  it('is on for a terminal only, unless --no-color or a non-empty NO_COLOR; FORCE_COLOR changes nothing', () => {
    expect(useColor(true, {})).toBe(true);
    expect(useColor(false, {})).toBe(false);
    expect(useColor(true, { TERM: 'dumb' })).toBe(false);
    expect(useColor(true, { NO_COLOR: '1' })).toBe(false);
    expect(useColor(true, { NO_COLOR: '' })).toBe(true);
    expect(useColor(true, {}, true)).toBe(false);
    expect(useColor(false, { FORCE_COLOR: '1' })).toBe(false);
    expect(useColor(true, { FORCE_COLOR: '0' })).toBe(true);
  });

  it('colours help headings on a terminal stdout and error lines on a terminal stderr, each stream by itself', async () => {
    const help = await vigil(['run', '--help'], { stdoutIsTTY: true });
    expect(help.stdout.startsWith(`${ESC}1mUsage:${ESC}22m vigil run`)).toBe(true);
    const error = await vigil(['reprot'], { stderrIsTTY: true });
    expect(error.stderr).toBe(
      `${ESC}31m${ESC}1merror${ESC}22m${ESC}39m [VIGIL_USAGE]: unknown command "reprot"; did you mean "report"?\n`,
    );
    expect((await vigil(['reprot'], { stdoutIsTTY: true })).stderr).not.toContain(ESC);
    expect((await vigil(['run', '--help'], { stderrIsTTY: true })).stdout).not.toContain(ESC);
  });

  it('stays off with NO_COLOR or --no-color (anywhere on the line), and into a pipe even with FORCE_COLOR', async () => {
    const plain = await vigil(['run', '--help']);
    expect(plain.stdout).not.toContain(ESC);
    expect(await vigil(['run', '--help'], { stdoutIsTTY: true, env: { NO_COLOR: '1' } })).toEqual(plain);
    expect(await vigil(['--no-color', 'run', '--help'], { stdoutIsTTY: true })).toEqual(plain);
    expect(await vigil(['run', '--help', '--no-color'], { stdoutIsTTY: true })).toEqual(plain);
    expect(await vigil(['run', '--help'], { env: { FORCE_COLOR: '1' } })).toEqual(plain);
  });
});

describe('--quiet', () => {
  it('drops informational lines and keeps the rest', () => {
    const written: string[] = [];
    const base: ProcessIo = {
      stdout: (t) => void written.push(`out:${t}`),
      stderr: (t) => void written.push(`err:${t}`),
      cwd: '/',
      env: {},
    };
    const quiet = commandIo(base, { quiet: true });
    quiet.info('Features inferred\n');
    quiet.stderr('a warning\n');
    quiet.stdout('the result\n');
    const loud = commandIo(base);
    loud.info('Features inferred\n');
    expect(written).toEqual(['err:a warning\n', 'out:the result\n', 'err:Features inferred\n']);
    expect([quiet.quiet, loud.quiet]).toEqual([true, false]);
  });

  it('is a global flag: -q and --quiet anywhere before --', async () => {
    expect(await vigil(['-q', '--version'])).toEqual(await vigil(['--version']));
    expect((await vigil(['run', '--help', '--quiet'])).code).toBe(0);
    // After `--` it is an argument like any other: run takes none.
    expect((await vigil(['run', '--', '--quiet'])).stderr).toBe(
      'error [VIGIL_USAGE]: vigil run: unexpected argument "--quiet"\nRun \'vigil run --help\' for usage.\n',
    );
  });
});
