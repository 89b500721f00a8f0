import { ConfigProblems } from '../../src/config/config-problems';
import { readYaml } from '../../src/config/read-yaml';

describe('readYaml', () => {
  it('records the line of every key and list item', () => {
    const problems = new ConfigProblems('f.yaml');
    const value = readYaml('a:\n  b: 1\n  list:\n    - x\n    - { y: 2 }\n', problems, {});
    expect(value).toEqual({ a: { b: 1, list: ['x', { y: 2 }] } });
    expect(Object.fromEntries(problems.lines)).toEqual({ a: 1, 'a.b': 2, 'a.list': 3, 'a.list[0]': 4, 'a.list[1]': 5, 'a.list[1].y': 5 });
  });

  it('keeps YAML types, and reads durations and dates as strings', () => {
    const problems = new ConfigProblems('f.yaml');
    expect(readYaml('n: 1.5\nb: true\nz: ~\nd: 5m\nt: 2026-10-01\n', problems, {})).toEqual({ n: 1.5, b: true, z: null, d: '5m', t: '2026-10-01' });
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
});
