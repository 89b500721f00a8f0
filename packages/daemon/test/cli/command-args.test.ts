import fc from 'fast-check';
import { editDistance, isVigilError } from '@vigil/core';
import { closest, commandHelp, HELP_OPTION, parseCommandArgs, type CommandOptions } from '../../src/cli/command-args';
import { ANSI_COLOR } from '../../src/cli/palette';

const OPTIONS = {
  reference: { type: 'string', value: 'FILE', help: 'the reference file' },
  current: { type: 'string', value: 'FILE', help: 'the current file' },
  'fail-on-drift': { type: 'boolean', help: 'exit 3 on drift' },
  config: { type: 'string', short: 'c', value: 'FILE', help: 'the configuration' },
  id: { type: 'string', multiple: true, help: 'an id\nsecond line' },
  help: HELP_OPTION,
} satisfies CommandOptions;

/** The usage error `argv` raises, as its message. */
function refusal(argv: string[], allowPositionals = false): string {
  try {
    parseCommandArgs('vigil report', { args: argv, options: OPTIONS, allowPositionals });
  } catch (error) {
    if (isVigilError(error, 'VIGIL_USAGE')) return error.message;
    throw error;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
}

describe('parseCommandArgs', () => {
  it('parses like node:util parseArgs in strict mode', () => {
    const { values, positionals } = parseCommandArgs('vigil x', {
      args: ['-c', 'v.yaml', '--id', 'a', '--id=b', '--fail-on-drift', 'f'],
      options: OPTIONS,
      allowPositionals: true,
    });
    expect({ ...values }).toEqual({ config: 'v.yaml', id: ['a', 'b'], 'fail-on-drift': true });
    expect(positionals).toEqual(['f']);
  });

  it('suggests the nearest option for a typo, and names nothing else otherwise (main adds the hint line)', () => {
    expect(refusal(['--refrence', 'r.csv'])).toBe('vigil report: unknown option --refrence; did you mean --reference?');
    expect(refusal(['--curent=c.csv'])).toBe('vigil report: unknown option --curent; did you mean --current?');
    expect(refusal(['--fail-on-drfit'])).toBe(
      'vigil report: unknown option --fail-on-drfit; did you mean --fail-on-drift?',
    );
    expect(refusal(['--fail'])).toBe('vigil report: unknown option --fail; did you mean --fail-on-drift?');
    expect(refusal(['--zebra'])).toBe('vigil report: unknown option --zebra');
    expect(refusal(['-x'])).toBe('vigil report: unknown option -x');
  });

  it('says which option lacks a value, which takes none, and which argument is unexpected', () => {
    expect(refusal(['--reference'])).toBe('vigil report: --reference needs a value');
    expect(refusal(['-c'])).toBe('vigil report: --config needs a value');
    expect(refusal(['--reference', '-x'])).toMatch(
      /^vigil report: --reference needs a value \(a value starting with "-" goes as --reference=-VALUE\)/,
    );
    expect(refusal(['--fail-on-drift=yes'])).toBe('vigil report: --fail-on-drift takes no value');
    expect(refusal(['stray'])).toBe('vigil report: unexpected argument "stray"');
  });
});

describe('commandHelp', () => {
  it('lists every option with its value and description, after the usage', () => {
    const help = commandHelp('Usage: vigil report --reference FILE\n\nCompares two files.\n', OPTIONS);
    expect(help).toBe(
      [
        'Usage: vigil report --reference FILE',
        '',
        'Compares two files.',
        '',
        'Options:',
        '      --reference FILE  the reference file',
        '      --current FILE    the current file',
        '      --fail-on-drift   exit 3 on drift',
        '  -c, --config FILE     the configuration',
        '      --id VALUE        an id',
        '                        second line (may be repeated)',
        '  -h, --help            show this help',
        '',
      ].join('\n'),
    );
  });

  it('puts the headings in bold when colour is on', () => {
    const help = commandHelp('Usage: vigil x\n', { help: HELP_OPTION }, ANSI_COLOR);
    expect(help.startsWith('\x1b[1mUsage:\x1b[22m vigil x\n')).toBe(true);
    expect(help).toContain('\x1b[1mOptions:\x1b[22m\n');
  });
});

describe('did you mean', () => {
  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('reprot', 'report')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(closest('reprot', ['report', 'replay', 'run'])).toBe('report');
    expect(closest('rn', ['report', 'replay', 'run'])).toBe('run');
    expect(closest('dashbords', ['demo', 'dashboards'])).toBe('dashboards');
    expect(closest('xyz', ['report', 'run'])).toBeUndefined();
  });

  it('is a distance: zero only for equal strings, symmetric, at most the longer length, one per swap', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '-'), maxLength: 8 });
    fc.assert(
      fc.property(word, word, (a, b) => {
        const d = editDistance(a, b);
        expect(d === 0).toBe(a === b);
        expect(editDistance(b, a)).toBe(d);
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
        expect(d).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
      }),
    );
    fc.assert(
      fc.property(fc.string({ minLength: 2, maxLength: 10 }), fc.nat(), (s, at) => {
        const i = at % (s.length - 1);
        const swapped = `${s.slice(0, i)}${s[i + 1]}${s[i]}${s.slice(i + 2)}`;
        expect(editDistance(s, swapped)).toBe(s[i] === s[i + 1] ? 0 : 1);
      }),
    );
  });
});
