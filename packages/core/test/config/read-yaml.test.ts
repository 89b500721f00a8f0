import { parse as parseYaml } from 'yaml';
import { ConfigProblems } from '../../src/config/config-problems';
import { readPlainYaml } from '../../src/config/plain-yaml';
import { readYaml } from '../../src/config/read-yaml';

describe('readYaml', () => {
  it('records the line of every key and list item', () => {
    const problems = new ConfigProblems('f.yaml');
    const value = readYaml('a:\n  b: 1\n  list:\n    - x\n    - { y: 2 }\n', problems, {});
    expect(value).toEqual({ a: { b: 1, list: ['x', { y: 2 }] } });
    expect(Object.fromEntries(problems.lines)).toEqual({
      a: 1,
      'a.b': 2,
      'a.list': 3,
      'a.list[0]': 4,
      'a.list[1]': 5,
      'a.list[1].y': 5,
    });
  });

  it('keeps YAML types, and reads durations and dates as strings', () => {
    const problems = new ConfigProblems('f.yaml');
    expect(readYaml('n: 1.5\nb: true\nz: ~\nd: 5m\nt: 2026-10-01\n', problems, {})).toEqual({
      n: 1.5,
      b: true,
      z: null,
      d: '5m',
      t: '2026-10-01',
    });
  });

  it('substitutes environment variables and unescapes $${', () => {
    const problems = new ConfigProblems('f.yaml');
    expect(readYaml('a: "${A}-${ B }-$${C}"\n', problems, { A: '1', B: '2' })).toEqual({ a: '1-2-${C}' });
    expect(problems.count).toBe(0);
  });

  it('returns undefined on syntax errors, with their lines', () => {
    const problems = new ConfigProblems('f.yaml');
    expect(readYaml('a: 1\nb: [1, 2\n', problems, {})).toBeUndefined();
    expect(problems.count).toBeGreaterThan(0);
    expect(() => problems.throwIfAny()).toThrow(/f\.yaml:\d+: \(yaml\): invalid YAML: /);
  });

  it('reads a __proto__ key as a key, not as the prototype of its mapping (found by test/chaos/config-fuzz)', () => {
    const problems = new ConfigProblems('f.yaml');
    const value = readYaml('a:\n  b: 1\n  __proto__: { polluted: true, b: 2 }\n', problems, {}) as {
      a: Record<string, unknown>;
    };
    expect(Object.getPrototypeOf(value.a)).toBe(Object.prototype);
    expect(Object.keys(value.a)).toEqual(['b', '__proto__']);
    expect(value.a['polluted']).toBeUndefined();
    expect(value.a['b']).toBe(1);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('refuses a file whose aliases expand to too many values, quickly (found by test/chaos/config-fuzz)', () => {
    // Eight lines that expand to 10^8 values: this used to run for minutes and end in a RangeError.
    let text = 'a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n';
    for (let i = 1; i < 8; i++)
      text += `a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]\n`;
    const problems = new ConfigProblems('f.yaml');
    const started = performance.now();
    expect(readYaml(text, problems, {})).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(5000);
    expect(() => problems.throwIfAny()).toThrow(/f\.yaml:\d+: a\d[^:]*: expands to more than 100000 values/);
  });

  it('reads many aliases of one anchor', () => {
    const problems = new ConfigProblems('f.yaml');
    const text = `base: &b { x: 1 }\nlist:\n${Array.from({ length: 5000 }, () => '  - *b\n').join('')}`;
    const value = readYaml(text, problems, {}) as { list: unknown[] };
    expect(value.list).toHaveLength(5000);
    expect(value.list[4999]).toEqual({ x: 1 });
    expect(problems.count).toBe(0);
  });
});

describe('readYaml: `<<` merge keys', () => {
  const text = [
    'x-base: &base { a: 1, b: { c: 2 }, list: [p, q] }', // 1
    'x-more: &more { a: 10, d: 4 }', // 2
    'items:', // 3
    '  - <<: *base', // 4
    '    a: 3', // 5
    '  - <<: [*more, *base]', // 6
    '  - <<: { e: 5 }', // 7
    '    f: 6', // 8
  ].join('\n');

  it('merges as YAML 1.1 does: own keys first, then the first merged mapping, shallowly', () => {
    const problems = new ConfigProblems('f.yaml');
    const value = readYaml(text, problems, {}) as { items: unknown[] };
    expect(value.items).toEqual([
      { a: 3, b: { c: 2 }, list: ['p', 'q'] },
      { a: 10, d: 4, b: { c: 2 }, list: ['p', 'q'] },
      { f: 6, e: 5 },
    ]);
    // The library's own merge (toJS) gives the same values.
    expect(value).toEqual(parseYaml(text, { merge: true }));
    expect(problems.count).toBe(0);
  });

  it('is never read by the plain reader, so both paths agree', () => {
    expect(readPlainYaml('a: 1\nb:\n  <<: { a: 1 }\n')).toBeUndefined();
    expect(readPlainYaml('b: { <<: { a: 1 }, c: 2 }\n')).toBeUndefined();
    expect(readYaml('b:\n  <<: { a: 1 }\n  c: 2\n', new ConfigProblems('f.yaml'), {})).toEqual({ b: { a: 1, c: 2 } });
  });

  it('gives a merged value the line where it is written, and records where it comes from', () => {
    const problems = new ConfigProblems('f.yaml');
    readYaml(text, problems, {});
    expect(problems.lines.get('items[0].b.c')).toBe(1);
    expect(problems.lines.get('items[0].a')).toBe(5);
    expect(problems.lines.get('items[1].d')).toBe(2);
    expect(problems.origins.get('items[0].b')).toBe('x-base.b');
    expect(problems.origins.get('items[0].b.c')).toBe('x-base.b.c');
    expect(problems.origins.get('items[0].list[1]')).toBe('x-base.list[1]');
    expect(problems.origins.get('items[1].a')).toBe('x-more.a');
    expect(problems.origins.has('items[0].a')).toBe(false);
    expect(problems.origins.has('items[2].e')).toBe(false);
  });

  it('names an alias of no anchor, with the nearest anchor, where it is written (it read "merges a mapping")', () => {
    const problems = new ConfigProblems('f.yaml');
    readYaml(
      'x-model: &model\n  task: binary\nmodels:\n  - id: a\n    <<: *modle\n  - id: b\n    task: *nothing\n',
      problems,
      {},
    );
    expect(problems.count).toBe(2);
    expect(() => problems.throwIfAny()).toThrow(
      /f\.yaml:5: models\[0\]\["<<"\]: \*modle: no anchor &modle is defined before it \(did you mean \*model\?\)[^]*\n {2}f\.yaml:7: models\[1\]\.task: \*nothing: no anchor &nothing is defined before it$/m,
    );
  });

  it('reports a merge of anything but mappings with its line', () => {
    const problems = new ConfigProblems('f.yaml');
    readYaml('a: 1\nb:\n  <<: 5\n  c: [1]\n  <<: [{ d: 1 }, [2]]\n', problems, {});
    expect(() => problems.throwIfAny()).toThrow(
      /f\.yaml: 2 problems[^]*\n {2}f\.yaml:3: b\["<<"\]: merges a mapping[^]*\n {2}f\.yaml:5: b\["<<"\]: merges a mapping/,
    );
  });
});
