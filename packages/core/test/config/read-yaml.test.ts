import { ConfigProblems } from '../../src/config/config-problems';
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
