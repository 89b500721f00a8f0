import { parseConfig } from '@vigil/core';
import { createStore } from '@vigil/store';
import { createAlerting } from '../../src/alerting';

/** An invalid rule stops start-up with every problem and its place in the file; nothing runs on a bad config. */
describe('invalid rules in the configuration', () => {
  it('are refused at start-up, each with its path', () => {
    const text = `
models:
  - id: credit-risk
    task: binary
    owner: { name: Risk ML team, webhook: "http://127.0.0.1:9/hook" }
    features: { age: numeric }
    rules:
      - { metric: psy, threshold: 0.2 }
      - { metric: psi, threshold: 0.2, clearThreshold: 0.3 }
      - { metric: psi, feature: agee, threshold: 0.2, breachesOfWindows: { n: 4, m: 3 } }
`;
    let caught: unknown;
    try {
      parseConfig(text, 'vigil.yaml', {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'VIGIL_CONFIG_INVALID' });
    const problems = (
      caught as { details: { problems: Array<{ path: string; message: string }> } }
    ).details.problems.map((p) => `${p.path}: ${p.message}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^models\[0\]\.rules\[0\]\.metric: "psy" is not a metric \(did you mean "psi"\?\)/),
        expect.stringMatching(/^models\[0\]\.rules\[1\]\.clearThreshold: must be at most the threshold 0\.2/),
        expect.stringMatching(/^models\[0\]\.rules\[2\]\.feature: "agee" is not a feature/),
        expect.stringMatching(/^models\[0\]\.rules\[2\]\.breachesOfWindows: n \(4\) must not exceed m \(3\)/),
      ]),
    );
  });

  it('a valid configuration starts alerting with no Redis (the in-process queue)', async () => {
    const config = parseConfig(
      'models:\n  - { id: m, task: binary, owner: { name: O, webhook: "http://127.0.0.1:9/h" }, features: {} }\n',
      'vigil.yaml',
      {},
    );
    const store = await createStore({});
    const alerting = await createAlerting({ config, store });
    await alerting.start();
    expect(alerting.state).toBe('running');
    await alerting.close();
    await alerting.close();
    expect(alerting.state).toBe('stopped');
    await store.close();
  }, 30_000);
});
