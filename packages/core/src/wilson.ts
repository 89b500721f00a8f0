/**
 * z for a two-sided 95% interval: scipy's `norm.isf(0.025)`, the value statsmodels uses, to the last bit.
 */
export const Z_95 = 1.9599639845400545;

/**
 * Wilson score interval of a binomial proportion given as its rate `p` = k / n over `n` > 0 trials, as statsmodels
 * `proportion_confint(k, n, alpha=0.05, method='wilson')`:
 *
 *   c = z²,
 *   center = (p + c / (2n)) / (1 + c / n),
 *   half   = z · √(p(1 − p) / n + c / (4n²)) / (1 + c / n),
 *   interval = [center − half, center + half].
 *
 * In exact arithmetic the bounds lie in [0, 1], and they are exactly 0 for k = 0 and 1 for k = n; rounding can put
 * them an ulp or two off (1 − 1e-16 for k = n, which would exclude the point estimate 1), so those bounds are set
 * exactly and the others clamped — within 1e-15 of statsmodels.
 *
 * Here rather than in @vigil/analyzers (whose `wilsonInterval(k, n)` is this of k / n) because the store rebuilds a
 * stored per-group rate's interval from its rate and trials with these operations, in SQL too (decision 0056).
 *
 * @param z - the standard-normal quantile; @defaultValue {@link Z_95}
 */
export function wilsonIntervalOfRate(p: number, n: number, z: number = Z_95): [number, number] {
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return [p <= 0 ? 0 : Math.max(0, center - half), p >= 1 ? 1 : Math.min(1, center + half)];
}
