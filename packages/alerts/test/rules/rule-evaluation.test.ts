import fc from 'fast-check';
import type { RuleConfig } from '@vigil/core';
import { beyond, classifyWindow, decideRule, type WindowOutcome } from '../../src/rules/rule-evaluation';
import { matchRules } from '../../src/rules/match-rules';

const rule = (over: Partial<RuleConfig> = {}): RuleConfig => ({
  metric: 'psi',
  comparison: '>',
  threshold: 0.2,
  clearThreshold: 0.1,
  severity: 'warning',
  breachesOfWindows: { n: 1, m: 1 },
  minSamples: 100,
  ...over,
});

describe('comparisons and window classification', () => {
  it('compares with each operator, and NaN is never beyond', () => {
    expect([
      beyond('>', 0.3, 0.2),
      beyond('>', 0.2, 0.2),
      beyond('>=', 0.2, 0.2),
      beyond('<', 0.01, 0.05),
      beyond('<=', 0.05, 0.05),
      beyond('<', 0.06, 0.05),
    ]).toEqual([true, false, true, true, true, false]);
    expect(beyond('>', Number.NaN, 0)).toBe(false);
    expect(beyond('<', Number.NaN, 0)).toBe(false);
  });

  it('breach beyond the threshold, elevated between clear threshold and threshold, ok otherwise', () => {
    const r = rule();
    expect(classifyWindow(r, { value: 0.31, samples: 1000 })).toBe('breach');
    expect(classifyWindow(r, { value: 0.15, samples: 1000 })).toBe('elevated');
    expect(classifyWindow(r, { value: 0.1, samples: 1000 })).toBe('ok');
    const low = rule({ metric: 'auc', comparison: '<', threshold: 0.7, clearThreshold: 0.75 });
    expect([0.6, 0.72, 0.8].map((value) => classifyWindow(low, { value, samples: 1000 }))).toEqual([
      'breach',
      'elevated',
      'ok',
    ]);
  });

  it('is insufficient_data below minSamples, for a null or NaN value, and for an insufficient group — never ok or breach', () => {
    const r = rule();
    expect(classifyWindow(r, { value: 0.9, samples: 99 })).toBe('insufficient_data');
    expect(classifyWindow(r, { value: null, samples: 1000 })).toBe('insufficient_data');
    expect(classifyWindow(r, { value: Number.NaN, samples: 1000 })).toBe('insufficient_data');
    expect(classifyWindow(r, { value: 0.9, samples: 1000, sufficient: false })).toBe('insufficient_data');
    expect(classifyWindow(r, { value: 0.9, samples: 100 })).toBe('breach');
  });
});

describe('N-of-M with hysteresis', () => {
  /** Runs a sequence of outcomes through the rule like the engine does (newest first, sufficient only). */
  const run = (nOfM: { n: number; m: number }, outcomes: readonly WindowOutcome[]): boolean[] => {
    let firing = false;
    const history: WindowOutcome[] = [];
    return outcomes.map((o) => {
      if (o !== 'insufficient_data') history.unshift(o);
      firing = decideRule(nOfM, firing, history.slice(0, nOfM.m), o).firing;
      return firing;
    });
  };

  it('fires on 2 of the last 3 windows, not on isolated breaches', () => {
    expect(run({ n: 2, m: 3 }, ['breach', 'ok', 'ok', 'breach', 'ok', 'breach'])).toEqual([
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
    expect(run({ n: 2, m: 3 }, ['breach', 'breach'])).toEqual([false, true]);
  });

  it('keeps firing while the value stays beyond the clear threshold, clears below it', () => {
    expect(run({ n: 1, m: 1 }, ['breach', 'elevated', 'elevated', 'ok', 'elevated'])).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it('insufficient data neither fires nor clears, and is left out of the M windows', () => {
    expect(decideRule({ n: 1, m: 1 }, true, [], 'insufficient_data')).toEqual({
      firing: true,
      state: 'insufficient_data',
    });
    expect(decideRule({ n: 1, m: 1 }, false, ['breach'], 'insufficient_data')).toEqual({
      firing: false,
      state: 'insufficient_data',
    });
    expect(run({ n: 2, m: 2 }, ['breach', 'insufficient_data', 'breach'])).toEqual([false, false, true]);
  });

  const outcome = fc.constantFrom<WindowOutcome>('breach', 'elevated', 'ok', 'insufficient_data');
  const nOfM = fc
    .integer({ min: 1, max: 6 })
    .chain((m) => fc.record({ n: fc.integer({ min: 1, max: m }), m: fc.constant(m) }));

  it('property: a rule that starts firing has at least N breaches among its last M sufficient windows', () => {
    fc.assert(
      fc.property(nOfM, fc.array(outcome, { maxLength: 40 }), (nm, outcomes) => {
        let firing = false;
        const history: WindowOutcome[] = [];
        for (const o of outcomes) {
          if (o !== 'insufficient_data') history.unshift(o);
          const d = decideRule(nm, firing, history.slice(0, nm.m), o);
          if (d.firing && !firing)
            expect(history.slice(0, nm.m).filter((x) => x === 'breach').length).toBeGreaterThanOrEqual(nm.n);
          if (!d.firing && firing) expect(history.slice(0, nm.m).filter((x) => x !== 'ok').length).toBeLessThan(nm.n);
          if (o === 'insufficient_data') expect(d.firing).toBe(firing);
          firing = d.firing;
        }
      }),
    );
  });

  it('property: with the clear threshold at the threshold and 1-of-1, firing is exactly "this window breaches"', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 30 }), (values) => {
        const r = rule({ threshold: 0.5, clearThreshold: 0.5 });
        const fired = run(
          r.breachesOfWindows,
          values.map((value) => classifyWindow(r, { value, samples: 1000 })),
        );
        expect(fired).toEqual(values.map((v) => v > 0.5));
      }),
    );
  });

  it('property: values between the clear threshold and the threshold never change the state (no flapping)', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.double({ min: 0.1000001, max: 0.2, noNaN: true }), { minLength: 1, maxLength: 20 }),
        (start, values) => {
          const r = rule();
          let firing = start;
          for (const value of values) {
            const o = classifyWindow(r, { value, samples: 1000 });
            firing = decideRule(r.breachesOfWindows, firing, [o], o).firing;
          }
          expect(firing).toBe(start);
        },
      ),
    );
  });
});

describe('matching metric rows to rules', () => {
  const base = { model: 'm', version: '1', windowStart: 0, windowEnd: 1, rows: 500, labelledRows: 50 };
  it('applies feature, model and fairness rules to the rows of their scope; specific rules override general ones', () => {
    const rules = [
      rule({ metric: 'psi' }),
      rule({ metric: 'psi', feature: 'age', threshold: 0.5, clearThreshold: 0.4 }),
      rule({ metric: 'ece', threshold: 0.05, clearThreshold: 0.03 }),
      rule({ metric: 'statisticalParityDifference', threshold: 0.1, clearThreshold: 0.08 }),
    ];
    const evaluations = matchRules({ rules }, [
      { ...base, metric: 'psi', feature: 'age', group: '', value: 0.3 },
      { ...base, metric: 'psi', feature: 'income', group: '', value: 0.3 },
      { ...base, metric: 'ece', feature: '', group: '', value: 0.2 },
      { ...base, metric: 'ece', feature: '', group: 'sex=female', value: 0.4 },
      {
        ...base,
        metric: 'statisticalParityDifference',
        feature: '',
        group: 'sex',
        value: 0.3,
        details: { sufficient: true },
      },
      {
        ...base,
        metric: 'statisticalParityDifference',
        feature: '',
        group: 'race',
        value: 0.3,
        details: { sufficient: false },
      },
      { ...base, metric: 'selectionRate', feature: '', group: 'sex=male', value: 0.9 },
    ]);
    expect(evaluations.map((e) => [e.metric, e.feature, e.group, e.rule.threshold, e.outcome])).toEqual([
      ['psi', 'age', '', 0.5, 'ok'],
      ['psi', 'income', '', 0.2, 'breach'],
      // 50 labelled rows < minSamples 100: label-based metrics count labelled rows.
      ['ece', '', '', 0.05, 'insufficient_data'],
      ['statisticalParityDifference', '', 'sex', 0.1, 'breach'],
      ['statisticalParityDifference', '', 'race', 0.1, 'insufficient_data'],
    ]);
  });
});
