import { ConfigProblems, childPath, didYouMean } from '../../src/config/config-problems';

describe('didYouMean', () => {
  it('suggests near misses: a typo, a swap, a different case', () => {
    expect(didYouMean('groupid', ['brokers', 'groupId', 'clientId'])).toBe('groupId');
    expect(didYouMean('brokres', ['brokers', 'groupId'])).toBe('brokers');
    expect(didYouMean('escalations', ['escalation', 'models'])).toBe('escalation');
  });

  it('suggests nothing for unrelated names, and is strict with short ones', () => {
    expect(didYouMean('colour', ['id', 'task', 'threshold'])).toBeUndefined();
    expect(didYouMean('ab', ['id'])).toBeUndefined();
    expect(didYouMean('js', ['ks', 'psi'])).toBe('ks');
  });
});

describe('childPath', () => {
  it('dots plain names, brackets indices and odd keys', () => {
    expect(childPath('', 'models')).toBe('models');
    expect(childPath('models', 0)).toBe('models[0]');
    expect(childPath('models[0]', 'window')).toBe('models[0].window');
    expect(childPath('models[0].features', 'a.b')).toBe('models[0].features["a.b"]');
  });
});

describe('ConfigProblems', () => {
  it('drops the problems below a path reported as unreadable, and only those', () => {
    const problems = new ConfigProblems('vigil.yaml');
    problems.unreadable('kafka', 'must be a mapping (key: value), not "localhost:9092"');
    problems.add('kafka.brokers', 'is required');
    problems.add('kafka.topics.predictions', 'is required');
    problems.add('kafkaX', 'unknown key');
    problems.unreadable('models[0].groups', 'must be a list, not "sex"');
    problems.add('models[0].groups[0]', 'is not a feature');
    problems.add('models[0].groupsX', 'unknown key');
    problems.add('models[1]', 'is required');
    expect(problems.count).toBe(5);
  });

  it('takes the line of the nearest parent for a missing key, and lists problems in file order', () => {
    const problems = new ConfigProblems(
      'vigil.yaml',
      new Map([
        ['models', 3],
        ['models[0]', 4],
        ['models[0].window', 9],
      ]),
    );
    problems.add('models[0].window.slide', 'second');
    problems.add('models[0].id', 'first');
    problems.add('env.X', 'no line');
    expect(problems.count).toBe(3);
    expect(() => problems.throwIfAny()).toThrow(
      'vigil.yaml: 3 problems in the configuration:\n  vigil.yaml:4: models[0].id: first\n  vigil.yaml:9: models[0].window.slide: second\n  vigil.yaml: env.X: no line',
    );
  });

  it('does not throw without problems', () => {
    expect(() => new ConfigProblems('x').throwIfAny()).not.toThrow();
  });
});
