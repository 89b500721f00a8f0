/**
 * Property: whatever the order of analyses and re-analyses (late labels revise a window's value), the SQL path of
 * evaluateIn agrees with the pure N-of-M/hysteresis rule replayed over the latest value of each window, and a
 * subject never has two unresolved incidents. Runs on the embedded PGlite; each run is a model version of its own.
 */
import fc from 'fast-check';
import { createStore, type Store } from '@vigil/store';
import { createAlerting, type Alerting } from '../../src/alerting';
import { classifyWindow, decideRule, type WindowOutcome } from '../../src/rules/rule-evaluation';
import { alertConfig, MIN, T0 } from '../helpers/config';
import { analysis } from '../helpers/windows';

const RULE = { comparison: '>' as const, threshold: 0.2, clearThreshold: 0.1, minSamples: 100 };
const NOFM = { n: 2, m: 3 };

describe('evaluateIn against the pure rule (property)', () => {
  let store: Store;
  let alerting: Alerting;
  let run = 0;

  beforeAll(async () => {
    store = await createStore({});
    const config = alertConfig({
      ownerUrl: 'http://127.0.0.1:9/o',
      oncallUrl: 'http://127.0.0.1:9/c',
      rules: '      - { metric: psi, threshold: 0.2, clearThreshold: 0.1, breachesOfWindows: { n: 2, m: 3 } }',
    });
    alerting = await createAlerting({ config, store });
  }, 60_000);
  afterAll(async () => {
    await store.close();
  });

  const op = fc.record({
    window: fc.integer({ min: 0, max: 5 }),
    value: fc.oneof(fc.constantFrom(0.05, 0.15, 0.3), fc.constant(null)),
    rows: fc.constantFrom(50, 1000, 1000, 1000),
  });

  it('opens, keeps and resolves exactly as the replayed rule says; never two open incidents', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }), async (ops) => {
        const version = `run${run++}`;
        const outcomes = new Map<number, WindowOutcome>();
        let firing = false;
        let opened = 0;
        for (const o of ops) {
          const end = T0 + o.window * 5 * MIN;
          const a = analysis(end, [{ metric: 'psi', feature: 'age', value: o.value }], { version, rows: o.rows });
          const summary = await store.transaction((tx) => alerting.evaluateIn(tx, a));

          outcomes.set(end, classifyWindow(RULE, { value: o.value, samples: o.rows }));
          const ordered = [...outcomes].sort((x, y) => y[0] - x[0]);
          const latest = ordered[0]![1];
          const recent = ordered
            .map(([, outcome]) => outcome)
            .filter((x) => x !== 'insufficient_data')
            .slice(0, NOFM.m);
          const decision = decideRule(NOFM, firing, recent, latest);
          const next: boolean = decision.firing;
          // The one rule key, in the state the replayed rule gives (insufficient_data below minSamples).
          expect(summary.ruleStates).toEqual({ ok: 0, firing: 0, insufficient_data: 0, [decision.state]: 1 });
          if (next && !firing) opened += 1;
          expect(summary.opened.length).toBe(next && !firing ? 1 : 0);
          expect(summary.resolved.length).toBe(!next && firing ? 1 : 0);
          firing = next;

          const mine = (await alerting.listIncidents({ model: 'credit-risk', limit: 1000 })).filter(
            (i) => i.version === version,
          );
          expect(mine.filter((i) => i.status !== 'resolved')).toHaveLength(firing ? 1 : 0);
          expect(mine).toHaveLength(opened);
        }
      }),
      { numRuns: 30 },
    );
  }, 120_000);
});
