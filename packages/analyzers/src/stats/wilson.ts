import { wilsonIntervalOfRate, Z_95 } from '@vigil/core';

export { Z_95 };

/**
 * Wilson score interval for a binomial proportion of `successes` out of `n` trials, as statsmodels
 * `proportion_confint(successes, n, alpha=0.05, method='wilson')`: @vigil/core's `wilsonIntervalOfRate` of
 * p = successes / n (the formula, and how its bounds are set exactly at 0 and n successes, are documented there).
 * With no trials nothing is known, so the interval is [0, 1].
 *
 * @param z - the standard-normal quantile; @defaultValue {@link Z_95}
 */
export function wilsonInterval(successes: number, n: number, z: number = Z_95): [number, number] {
  if (n === 0) return [0, 1];
  return wilsonIntervalOfRate(successes / n, n, z);
}
