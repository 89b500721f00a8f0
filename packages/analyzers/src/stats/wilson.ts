/**
 * z for a two-sided 95% interval: scipy's `norm.isf(0.025)`, the value statsmodels uses, to the last bit.
 */
export const Z_95 = 1.9599639845400545;

/**
 * Wilson score interval for a binomial proportion, as statsmodels
 * `proportion_confint(successes, n, alpha=0.05, method='wilson')`:
 *
 *   p = k / n,  c = z²,
 *   center = (p + c / (2n)) / (1 + c / n),
 *   half   = z · √(p(1 − p) / n + c / (4n²)) / (1 + c / n),
 *   interval = [center − half, center + half].
 *
 * In exact arithmetic the bounds lie in [0, 1], and they are exactly 0 for k = 0 and 1 for k = n; rounding can put
 * them an ulp or two off (1 − 1e-16 for k = n, which would exclude the point estimate 1), so those bounds are set
 * exactly and the others clamped — within 1e-15 of statsmodels.
 * With no trials nothing is known, so the interval is [0, 1].
 *
 * @param z - the standard-normal quantile; @defaultValue {@link Z_95}
 */
export function wilsonInterval(successes: number, n: number, z: number = Z_95): [number, number] {
  if (n === 0) return [0, 1];
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return [successes <= 0 ? 0 : Math.max(0, center - half), successes >= n ? 1 : Math.min(1, center + half)];
}
