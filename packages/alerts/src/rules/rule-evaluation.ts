/**
 * Rule evaluation, pure (docs/alerts.md, "Rules"): a window's value is classified against a rule, and the last M windows
 * decide whether the rule fires. Hysteresis comes from two counts over the same windows:
 *
 * - a rule that is not firing fires when at least N of the last M windows are beyond the threshold (`breach`);
 * - a firing rule keeps firing while at least N of them are still beyond the clear threshold (`breach` or
 *   `elevated`), and clears otherwise.
 *
 * The clear threshold lies on the healthy side of the threshold (the config refuses anything else), so every
 * breach is also beyond the clear threshold and a value between the two never flips the state either way.
 * Windows with too few samples, a null value, or a group marked insufficient are `insufficient_data`: they are
 * left out of the M windows and leave the state as it was.
 */
import type { Comparison, RuleConfig } from '@vigil/core';

export type WindowOutcome = 'breach' | 'elevated' | 'ok' | 'insufficient_data';
export type RuleStateName = 'ok' | 'firing' | 'insufficient_data';

/** `value comparison threshold`; NaN is never beyond anything. */
export function beyond(comparison: Comparison, value: number, threshold: number): boolean {
  switch (comparison) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}

export type ClassifiedRule = Pick<RuleConfig, 'comparison' | 'threshold' | 'clearThreshold' | 'minSamples'>;

/**
 * The outcome of one window. `samples` is the row count the rule's minimum applies to (labelled rows for
 * label-based metrics); `sufficient: false` comes from a fairness group too small to judge.
 */
export function classifyWindow(
  rule: ClassifiedRule,
  window: { value: number | null; samples: number; sufficient?: boolean },
): WindowOutcome {
  const { value } = window;
  if (value === null || Number.isNaN(value) || window.sufficient === false || window.samples < rule.minSamples)
    return 'insufficient_data';
  if (beyond(rule.comparison, value, rule.threshold)) return 'breach';
  if (beyond(rule.comparison, value, rule.clearThreshold)) return 'elevated';
  return 'ok';
}

export interface RuleDecision {
  firing: boolean;
  state: RuleStateName;
}

/**
 * The rule's state after its latest window. `recent` are the outcomes of the last M windows with enough data
 * (any order; at most M are looked at), `latest` the outcome of the newest window of all.
 */
export function decideRule(
  nOfM: { n: number; m: number },
  wasFiring: boolean,
  recent: readonly WindowOutcome[],
  latest: WindowOutcome,
): RuleDecision {
  if (latest === 'insufficient_data') return { firing: wasFiring, state: 'insufficient_data' };
  const considered = recent.filter((o) => o !== 'insufficient_data').slice(0, nOfM.m);
  const breaches = considered.filter((o) => o === 'breach').length;
  const stillBad = considered.filter((o) => o === 'breach' || o === 'elevated').length;
  const firing = wasFiring ? stillBad >= nOfM.n : breaches >= nOfM.n;
  return { firing, state: firing ? 'firing' : 'ok' };
}
