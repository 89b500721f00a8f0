/**
 * The `vigil` executable (bin/vigil, which scripts/setup.sh links onto PATH) and `pnpm --silent vigil` both resolve
 * relative paths against the directory the command was typed in.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '../../..');
const GOLDEN = join(__dirname, 'golden/small');

describe('where vigil runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bin-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('VIGIL_') && k !== 'FORCE_COLOR' && !k.startsWith('npm_') && k !== 'INIT_CWD',
    ),
  );

  it('as an executable linked onto PATH: in its own directory, even when an outer npm script left INIT_CWD behind', () => {
    symlinkSync(join(__dirname, '../bin/vigil'), join(dir, 'vigil'));
    const report = (extra: Record<string, string>) =>
      spawnSync('vigil', ['report', '--reference', 'reference.csv', '--current', 'current.csv'], {
        cwd: GOLDEN,
        env: { ...env, PATH: `${dir}:${env.PATH ?? ''}`, ...extra },
        encoding: 'utf8',
      });
    const plain = report({});
    expect([plain.status, plain.stderr]).toEqual([0, expect.stringContaining('Features inferred from reference.csv')]);
    expect(plain.stdout).toMatch(/^Rows: reference 400, current 300$/m);
    const leaked = report({ INIT_CWD: ROOT, npm_lifecycle_event: 'vigil' });
    expect([leaked.status, leaked.stdout]).toEqual([0, plain.stdout]);
    expect(
      execFileSync('vigil', ['--version'], { env: { ...env, PATH: `${dir}:${env.PATH ?? ''}` }, encoding: 'utf8' }),
    ).toMatch(/^vigil \d+\.\d+\.\d+\n$/);
  });

  it('through a link to its directory, relative to where it is typed: no stack trace, the same version', () => {
    // Found by a user's trial: `bindir/vigil` with bindir a link to bin/ made `bindir/..` the link's parent for node.
    symlinkSync(join(__dirname, '../bin'), join(dir, 'bindir'));
    const run = spawnSync('bindir/vigil', ['--version'], { cwd: dir, env, encoding: 'utf8' });
    expect([run.status, run.stderr, run.stdout]).toEqual([0, '', expect.stringMatching(/^vigil \d+\.\d+\.\d+\n$/)]);
  });

  it('through `pnpm --silent vigil` from a directory of the workspace: where it was typed', () => {
    const examples = join(ROOT, 'examples');
    const rel = (f: string) => relative(examples, join(GOLDEN, f));
    const out = spawnSync(
      'pnpm',
      ['--silent', 'vigil', 'report', '--reference', rel('reference.csv'), '--current', rel('current.csv')],
      { cwd: examples, env, encoding: 'utf8' },
    );
    expect([out.status, out.stderr]).toEqual([
      0,
      expect.stringContaining(`Features inferred from ${rel('reference.csv')}`),
    ]);
    expect(out.stdout).toMatch(/^Rows: reference 400, current 300$/m);
  });
});

// A new user's trial: scripts/setup.sh linked `vigil` machine-wide (/usr/bin/vigil) without a word. It now says what
// it links, where, for whom, and how to undo it (scripts/link-vigil.sh), and `--no-link` skips it. npm's global
// prefix is pointed at a temporary directory, so the test links nothing on the machine; a later trial found it
// said "for every user" of a private prefix in the home directory.
describe('scripts/link-vigil.sh (run by scripts/setup.sh)', () => {
  // A private prefix, as nvm or `npm config set prefix ~/.npm-global` make one: under the home directory.
  const home = mkdtempSync(join(tmpdir(), 'vigil-home-'));
  const prefix = join(home, '.npm-global');
  mkdirSync(prefix);
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_config_')),
  );
  const run = (script: string, ...args: string[]) =>
    spawnSync('bash', [join(ROOT, 'scripts', script), ...args], {
      env: { ...env, NPM_CONFIG_PREFIX: prefix, HOME: home },
      encoding: 'utf8',
    });
  const link = join(prefix, 'bin', 'vigil');

  it('says what it links and where, and how to undo it; quiet when linked already; --unlink removes only its link', () => {
    const first = run('link-vigil.sh');
    expect(first.status).toBe(0);
    expect(readlinkSync(link)).toBe(join(ROOT, 'packages/daemon/bin/vigil'));
    expect(first.stderr).toContain(
      `setup: linked ${link} -> ${join(ROOT, 'packages/daemon/bin/vigil')} (your own npm prefix, for you only, not every user of this machine; undo: bash scripts/link-vigil.sh --unlink, or rm ${link})`,
    );
    expect(run('link-vigil.sh').stderr).not.toContain('linked');
    const unlink = run('link-vigil.sh', '--unlink');
    expect([unlink.status, unlink.stderr]).toEqual([0, `setup: removed the link ${link}\n`]);
    expect(existsSync(link)).toBe(false);
    // Someone else's `vigil` is left alone, by linking and by unlinking.
    mkdirSync(join(prefix, 'bin'), { recursive: true });
    writeFileSync(link, '#!/bin/sh\n');
    expect(run('link-vigil.sh').stderr).toContain("is not Vigil's link, so it was left alone");
    expect(run('link-vigil.sh', '--unlink').stderr).toContain('is not a link to Vigil; nothing removed');
    expect(lstatSync(link).isSymbolicLink()).toBe(false);
  });

  // A later trial: NPM_CONFIG_PREFIX=/work/trial4/npm (root's, outside the home directory) was called "for every
  // user of this machine". Only a system directory or npm's default prefix is machine-wide.
  it('a prefix outside the home directory and the system directories is for whoever has its bin on PATH', () => {
    const other = mkdtempSync(join(tmpdir(), 'vigil-prefix-'));
    const bin = join(other, 'bin');
    const linkIn = (path: string) =>
      spawnSync('bash', [join(ROOT, 'scripts', 'link-vigil.sh')], {
        env: { ...env, NPM_CONFIG_PREFIX: other, HOME: home, PATH: path },
        encoding: 'utf8',
      });
    try {
      const off = linkIn(process.env.PATH ?? '');
      expect(off.status).toBe(0);
      expect(off.stderr).toBe(
        `setup: linked ${join(bin, 'vigil')} -> ${join(ROOT, 'packages/daemon/bin/vigil')} (in ${bin}, not a system directory and not on your PATH: add it to PATH to use the vigil command; undo: bash scripts/link-vigil.sh --unlink, or rm ${join(bin, 'vigil')})\n`,
      );
      rmSync(join(bin, 'vigil'));
      const on = linkIn(`${bin}:${process.env.PATH ?? ''}`);
      expect(on.stderr).toContain(`(in ${bin}, not a system directory: found by whoever has it on PATH, as you do;`);
      expect(on.stderr).not.toContain('every user');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('setup.sh refuses an unknown option before doing anything', () => {
    const r = run('setup.sh', '--no-lnik');
    expect([r.status, r.stderr]).toEqual([2, 'setup: unknown option --no-lnik (options: --tests, --no-link)\n']);
  });
});

describe('what a command loads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-loads-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Loaded before the CLI: says on exit whether prom-client was loaded (the /metrics library of `vigil run`).
  const preload = join(dir, 'loaded.js');
  writeFileSync(
    preload,
    [
      'const loaded = (name) => Object.keys(require.cache).some((k) => k.includes(`/${name}/`));',
      "process.on('exit', () => process.stderr.write(`\\nprom-client loaded: ${loaded('prom-client')}, bullmq: ${loaded('bullmq')}, nodemailer: ${loaded('nodemailer')}\\n`));",
    ].join('\n'),
  );
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VIGIL_')));
  const vigil = (args: string[]) =>
    spawnSync(process.execPath, ['-r', preload, join(__dirname, '../dist/bin.js'), ...args], {
      cwd: GOLDEN,
      env,
      encoding: 'utf8',
    });

  it('vigil report does not load prom-client; vigil run does', () => {
    const report = vigil(['report', '--reference', 'reference.csv', '--current', 'current.csv']);
    expect([report.status, report.stdout]).toEqual([0, expect.stringMatching(/^Rows: reference 400, current 300$/m)]);
    expect(report.stderr).toMatch(/\nprom-client loaded: false, /);
    const run = vigil(['run', '--help']);
    expect([run.status, run.stderr]).toEqual([0, expect.stringMatching(/\nprom-client loaded: true, /)]);
  });

  // bullmq (and ioredis) and nodemailer are loaded when Redis alerting or an e-mail target is configured, not with
  // `vigil run`'s modules: they were ~0.25 s of every start-up (docs/benchmarks.md).
  it('vigil run loads neither bullmq nor nodemailer until its configuration asks for them', () => {
    const run = vigil(['run', '--help']);
    expect([run.status, run.stderr]).toEqual([
      0,
      expect.stringMatching(/\nprom-client loaded: true, bullmq: false, nodemailer: false\n$/),
    ]);
  });
});

// V8 reads --max-semi-space-size only when node creates the heap, so `vigil run` cannot set it on itself; the
// executable puts it on node's command line (docs/scaling.md). Checked in the node process the linked executable
// really starts: a module preloaded through NODE_OPTIONS prints node's flags and ends it before Vigil loads.
describe("the vigil executable's node flags", () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-flags-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(join(__dirname, '../bin/vigil'), join(dir, 'vigil'));
  const probe = join(dir, 'probe.js');
  writeFileSync(probe, "process.stdout.write(JSON.stringify(process.execArgv) + '\\n'); process.exit(0);\n");
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VIGIL_')));
  const flags = (args: string[], nodeOptions = '') => {
    const out = spawnSync('vigil', args, {
      env: { ...env, PATH: `${dir}:${env.PATH ?? ''}`, NODE_OPTIONS: `--require ${probe} ${nodeOptions}`.trim() },
      encoding: 'utf8',
    });
    expect([out.status, out.stderr]).toEqual([0, '']);
    return JSON.parse(out.stdout) as string[];
  };

  it('vigil run starts node with 8 MiB semi-spaces, after global flags too; other commands as node starts', () => {
    expect(flags(['run', '--config', 'vigil.yaml'])).toEqual(['--max-semi-space-size=8']);
    expect(flags(['--no-color', '-q', 'run'])).toEqual(['--max-semi-space-size=8']);
    expect(flags(['report', '--reference', 'run'])).toEqual([]);
    expect(flags(['--version'])).toEqual([]);
  });

  it("a semi-space size in NODE_OPTIONS is the operator's: none is added", () => {
    expect(flags(['run'], '--max-semi-space-size=1')).toEqual([]);
    expect(flags(['run'], '--max_semi_space_size=2')).toEqual([]);
  });

  it('the flag reaches V8: the heap of `vigil run` is sized as node sizes it with --max-semi-space-size=8', () => {
    // V8's heap limit counts the young generation (three semi-spaces' worth), so it tells the bound V8 was given.
    writeFileSync(
      probe,
      "process.stdout.write(JSON.stringify([require('node:v8').getHeapStatistics().heap_size_limit]) + '\\n'); process.exit(0);\n",
    );
    const limit = (nodeFlags: string[]) =>
      Number(
        execFileSync(process.execPath, [...nodeFlags, '-p', "require('node:v8').getHeapStatistics().heap_size_limit"], {
          encoding: 'utf8',
        }),
      );
    const [run] = flags(['run']);
    const [version] = flags(['--version']);
    expect(run).toBe(limit(['--max-semi-space-size=8']));
    expect(version).toBe(limit([]));
    expect(run).not.toBe(version);
  });
});

// `vigil … | head` closes the pipe while vigil still writes: Node reported the EPIPE with a stack trace (and
// tfjs's handler made it exit 7). Now it stops without a word with 141, the shell's code for git killed by SIGPIPE.
describe('a reader that stops reading (`vigil … | head`)', () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VIGIL_')));
  const bin = join(__dirname, '../dist/bin.js');
  const report = ['report', '--reference', 'reference.csv', '--current', 'current.csv'];

  it('on stdout: the first bytes arrive, then exit 141 with no stack trace', () => {
    // The page (about 100 KiB) outgrows the pipe's 64 KiB buffer, so vigil is still writing when head exits.
    const dir = mkdtempSync(join(tmpdir(), 'vigil-pipe-'));
    try {
      const out = spawnSync(
        'bash',
        [
          '-c',
          '"$0" "$1" "${@:2}" --html - 2>"$ERR" | head -c 15; echo " ${PIPESTATUS[0]}"',
          process.execPath,
          bin,
          ...report,
        ],
        { cwd: GOLDEN, env: { ...env, ERR: join(dir, 'stderr') }, encoding: 'utf8' },
      );
      expect([out.status, out.stdout]).toEqual([0, '<!DOCTYPE html> 141\n']);
      const stderr = readFileSync(join(dir, 'stderr'), 'utf8');
      expect(stderr).toContain('Rows: reference 400, current 300');
      expect(stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('on stderr: exit 141 with nothing more', async () => {
    const child = spawn(process.execPath, [bin, ...report], { cwd: GOLDEN, env, stdio: ['ignore', 'pipe', 'pipe'] });
    // The read end closes before vigil has started, so its first line on stderr meets a closed pipe.
    child.stderr.destroy();
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    expect(code).toBe(141);
    // Stopped at that first line (the features it inferred), before the summary on stdout.
    expect(stdout).toBe('');
  });
});
