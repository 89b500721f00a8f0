/**
 * plain-yaml.ts reads plain configuration files without the `yaml` library; whenever it answers, it must give what
 * the library's document model gives (read-yaml.ts, `readYamlDocument`): the values, the line of every key and item,
 * the `${NAME}` substitutions and their problems. Generated files mix what it reads with what it leaves to the
 * library (quoted and tricky scalars, comments, flows, anchors, block scalars).
 */
import fc from 'fast-check';
import { ConfigProblems } from '../../src/config/config-problems';
import { readPlainYaml } from '../../src/config/plain-yaml';
import { readYaml, readYamlDocument } from '../../src/config/read-yaml';

const SCALARS = [
  'x',
  'a b',
  '1h',
  '5m',
  'true',
  'False',
  'True',
  'NULL',
  '~',
  'null',
  '12',
  '012',
  '-3',
  '+4',
  '1.5',
  '.5',
  '1.',
  '1e3',
  '2.5E-2',
  '0x1F',
  '0o17',
  '.inf',
  '-.inf',
  '.nan',
  '9007199254740993',
  '2026-10-01',
  'postgres://vigil@127.0.0.1:55432/db',
  'http://127.0.0.1:9/hook',
  '${DB_URL}',
  '$${LITERAL}',
  '${MISSING}',
  '${bad name}',
  "it's",
  'a#b',
  'a: b',
  '-',
  '- x',
  '*ref',
  '&anchor x',
  '!tag x',
  '|',
  '@x',
  'a,b',
  '[x]',
  '{x}',
  '1:2',
  '__proto__',
  '"quoted"',
  "'single'",
  "'it''s'",
  '"a # b"',
  '"back\\\\slash"',
];
const KEYS = ['a', 'b', 'id', 'url', 'true', '1', '1.0', 'null', '__proto__', 'f-1', 'x y', 'k:v', '"q"', 'a#b'];

type Tree = string | Tree[] | [string, Tree][];
const tree: fc.Arbitrary<{ t: Tree; map: boolean }> = fc.letrec<{ node: { t: Tree; map: boolean } }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...SCALARS).map((t) => ({ t, map: false })),
    fc.array(tie('node'), { maxLength: 3 }).map((items) => ({ t: items.map((i) => i.t), map: false })),
    fc
      .array(fc.tuple(fc.constantFrom(...KEYS), tie('node')), { maxLength: 4 })
      .map((pairs) => ({ t: pairs.map(([k, v]) => [k, v.t] as [string, Tree]), map: true })),
  ),
})).node;

/** Renders a tree as YAML: block or flow collections, comments and spacing chosen by `style`. */
function render(node: { t: Tree; map: boolean }, style: () => number): string {
  const isMap = (_t: Tree, map: boolean): _t is [string, Tree][] => map;
  const flow = (t: Tree, map: boolean): string => {
    if (typeof t === 'string') return t;
    if (isMap(t, map)) return `{ ${t.map(([k, v]) => `${k}: ${flow(v, Array.isArray(v) && isPairs(v))}`).join(', ')} }`;
    return `[${(t as Tree[]).map((v) => flow(v, Array.isArray(v) && isPairs(v))).join(', ')}]`;
  };
  const out: string[] = [];
  const comment = () => (style() % 5 === 0 ? ' # note' : '');
  const block = (t: Tree, map: boolean, indent: string): void => {
    if (isMap(t, map)) {
      if (t.length === 0) return void out.push(`${indent}{}`);
      for (const [k, v] of t) {
        const vm = Array.isArray(v) && isPairs(v);
        if (typeof v === 'string' || v.length === 0 || style() % 3 === 0)
          out.push(`${indent}${k}: ${flow(v, vm)}${comment()}`);
        else {
          out.push(`${indent}${k}:${comment()}`);
          if (style() % 7 === 0) out.push('# a comment line');
          block(v, vm, vm || style() % 2 === 0 ? `${indent}  ` : indent);
        }
      }
      return;
    }
    if (typeof t === 'string') return void out.push(`${indent}${t}`);
    if (t.length === 0) return void out.push(`${indent}[]`);
    for (const v of t) {
      const vm = Array.isArray(v) && isPairs(v);
      if (typeof v === 'string' || v.length === 0 || style() % 3 === 0)
        out.push(`${indent}- ${flow(v, vm)}${comment()}`);
      else if (vm) {
        const [first, ...rest] = v as [string, Tree][];
        const lines: string[] = [];
        const saved = out.length;
        block([first!], true, `${indent}  `);
        lines.push(...out.splice(saved));
        lines[0] = `${indent}- ${lines[0]!.slice(indent.length + 2)}`;
        out.push(...lines);
        block(rest, true, `${indent}  `);
      } else {
        out.push(`${indent}-`);
        block(v, false, `${indent}  `);
      }
    }
  };
  block(node.t, node.map, '');
  return `${out.join('\n')}\n`;
}
function isPairs(v: Tree[] | [string, Tree][]): boolean {
  return (
    v.length > 0 &&
    v.every(
      (p) =>
        Array.isArray(p) &&
        p.length === 2 &&
        typeof p[0] === 'string' &&
        KEYS.includes(p[0]) &&
        !SCALARS.includes(p[0] as string),
    )
  );
}

function both(text: string, env: Record<string, string> = { DB_URL: 'postgres://db' }) {
  const read = (f: typeof readYaml) => {
    const problems = new ConfigProblems('f.yaml');
    const value = f(text, problems, env);
    let thrown = '';
    try {
      problems.throwIfAny();
    } catch (error) {
      thrown = (error as Error).message;
    }
    return { value, lines: [...problems.lines].sort(), thrown };
  };
  return { plain: readPlainYaml(text), fast: read(readYaml), library: read(readYamlDocument) };
}

describe('plain-yaml: the same as the yaml library whenever it answers', () => {
  it('on generated files: values, lines, substitutions and their problems', () => {
    let answered = 0;
    fc.assert(
      fc.property(tree, fc.infiniteStream(fc.nat(20)), (node, styles) => {
        const it = styles[Symbol.iterator]();
        const text = render(node, () => it.next().value as number);
        const { plain, fast, library } = both(text);
        if (plain !== undefined) answered++;
        expect(fast).toEqual(library);
      }),
      { numRuns: 2000 },
    );
    // The property says something only if the plain reader answers for many of the files: about 11 % of them
    // (200–255 of 2,000 in eight runs), so 100 is far below chance (a bound of 200 failed one local run in nine).
    expect(answered).toBeGreaterThan(100);
  });

  it('reads a configuration in the form the benchmarks and examples use, with its lines', () => {
    const text = [
      'database:',
      '  url: ${DB_URL}',
      'http: { port: 0 }',
      'models:',
      '  - id: m-0000 # the first',
      '    task: binary',
      '    owner: { name: bench, webhook: http://127.0.0.1:9/hook }',
      '    features: { f00: numeric, f01: categorical }',
      '    groups: [segment, region]',
      '    window: { size: 1h, slide: 5m }',
      '    rules: []',
      '',
    ].join('\n');
    const { plain, fast, library } = both(text);
    expect(plain).toBeDefined();
    expect(fast).toEqual(library);
    expect(fast.value).toEqual({
      database: { url: 'postgres://db' },
      http: { port: 0 },
      models: [
        {
          id: 'm-0000',
          task: 'binary',
          owner: { name: 'bench', webhook: 'http://127.0.0.1:9/hook' },
          features: { f00: 'numeric', f01: 'categorical' },
          groups: ['segment', 'region'],
          window: { size: '1h', slide: '5m' },
          rules: [],
        },
      ],
    });
  });

  it('leaves anchors, aliases, tags, block scalars, multi-line values and duplicate keys to the library', () => {
    for (const text of [
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a: |\n  text\n',
      'a: one\n  two\n',
      'a: [1,\n  2]\n',
      'a: 1\na: 2\n',
      '--- \na: 1\n',
      'a:\n\tb: 1\n',
      'a: 0x1F\n',
      'a: "esc\\n"\n',
    ]) {
      expect(readPlainYaml(text)).toBeUndefined();
      const { fast, library } = both(text);
      expect(fast).toEqual(library);
    }
  });

  it('leaves white space other than the space (NBSP, U+3000, U+2028, \\v, \\f) to the library, which keeps it as content', () => {
    // Found by a user's trial: JavaScript's trims took these for indentation, so `\u00a0 host:` read as `host:`.
    for (const text of [
      'http:\n\u00a0 host: 127.0.0.1\n',
      'task: regression\u00a0\n',
      'a: \u00a0value\n',
      'a: x\u3000\n',
      'a: 1\f\n',
      'a: 1\v\n',
      'a: 1\n\u00a0\nb: 2\n',
      'a: x\u2028\n',
    ]) {
      expect(readPlainYaml(text)).toBeUndefined();
      const { fast, library } = both(text);
      expect(fast).toEqual(library);
    }
  });

  it('does not load the yaml library for a plain file; loads it for the rest', () => {
    const loads = (text: string) => {
      let loaded = false;
      jest.isolateModules(() => {
        jest.doMock('yaml', () => {
          loaded = true;
          return jest.requireActual('yaml');
        });
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const isolated = require('../../src/config/read-yaml') as { readYaml: typeof readYaml };
        expect(isolated.readYaml(text, new ConfigProblems('f.yaml'), {})).toEqual({ a: 1, b: 1 });
      });
      return loaded;
    };
    expect(loads('a: 1\nb: 1\n')).toBe(false);
    expect(loads('a: &x 1\nb: *x\n')).toBe(true);
  });
});
