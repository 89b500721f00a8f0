/**
 * The special functions behind Vigil's p-values, each matching the scipy function named in its TSDoc.
 *
 * The Kolmogorov–Smirnov distributions follow the algorithms scipy uses (scipy/stats/_ksstats.py,
 * scipy/special/cephes/kolmogorov.c and scipy/stats/_stats_pythran.py), including scipy's choice of algorithm by
 * region, so that a p-value agrees with scipy's to rounding even where scipy's own method is an approximation.
 * Where scipy's `smirnov` uses double-double arithmetic, each term here is a binomial probability in Loader's
 * saddle-point form, which keeps about 13 significant digits up to n = 10⁶ in plain doubles.
 */

const LN_SQRT_2PI = 0.9189385332046727; // ln √(2π)
const SQRT_2PI = 2.5066282746310002;
const PI_SQUARED = Math.PI * Math.PI;
const EPSILON = Number.EPSILON;
/** exp of anything below this underflows to 0 (cephes MINLOG = ln 2^-1022). */
const MIN_LOG = -708.3964185322641;
const TWO_POW_128 = 2 ** 128;
const TWO_POW_MINUS_128 = 2 ** -128;

/**
 * B₂ₖ / (2k(2k − 1)) for k = 8 … 1, highest order first: the coefficients of Stirling's series
 * ln Γ(x) = (x − ½) ln x − x + ln √(2π) + Σₖ B₂ₖ / (2k(2k − 1) x^(2k−1)).
 */
const STIRLING_COEFFICIENTS = [
  -3617 / 122400,
  1 / 156,
  -691 / 360360,
  1 / 1188,
  -1 / 1680,
  1 / 1260,
  -1 / 360,
  1 / 12,
] as const;

/** Stirling's correction ln Γ(x) − [(x − ½) ln x − x + ln √(2π)]; accurate to double precision for x ≥ 10. */
function stirlingCorrection(x: number): number {
  const r = 1 / x;
  const r2 = r * r;
  let polynomial = 0;
  for (const c of STIRLING_COEFFICIENTS) polynomial = polynomial * r2 + c;
  return r * polynomial;
}

/**
 * ln Γ(x) for x > 0 (scipy.special.gammaln on the positive axis). Below 15 the argument is shifted up by the
 * recurrence Γ(x + 1) = x Γ(x) so that Stirling's series is always evaluated where its truncation error is below
 * double precision; the absolute error stays near 1e-14, which is what matters inside exp().
 */
export function logGamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  if (x === Infinity) return Infinity;
  let shift = 1;
  while (x < 15) {
    shift *= x;
    x += 1;
  }
  return (x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + stirlingCorrection(x) - Math.log(shift);
}

/** log1p(t) − t, without the cancellation of the direct difference for small |t|. */
function log1pMinusX(t: number): number {
  if (Math.abs(t) > 0.25) return Math.log1p(t) - t;
  // −t²/2 + t³/3 − t⁴/4 + …; |t| ≤ 1/4 needs at most ~25 terms for full precision.
  let power = t * t;
  let sum = 0;
  for (let k = 2; k < 60; k++) {
    const term = power / k;
    sum += k % 2 === 0 ? -term : term;
    if (Math.abs(term) <= Math.abs(sum) * EPSILON) break;
    power *= t;
  }
  return sum;
}

/**
 * x^a e^(−x) / Γ(a), the common factor of both incomplete gamma ratios. For large a the three terms
 * a ln x, x and ln Γ(a) are each huge and nearly cancel; Stirling's form keeps only the small remainder
 * a · (log1p(t) − t) with t = (x − a)/a, so the factor keeps its relative accuracy for dof in the millions.
 */
function gammaPrefactor(a: number, x: number): number {
  if (a < 10) return Math.exp(a * Math.log(x) - x - logGamma(a));
  const exponent = a * log1pMinusX((x - a) / a) - stirlingCorrection(a);
  return Math.exp(exponent) * Math.sqrt(a / (2 * Math.PI));
}

const GAMMA_MAX_ITERATIONS = 1_000_000;

/** P(a, x) by its power series; converges for all x, quickly for x < a + 1. */
function gammaPSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < GAMMA_MAX_ITERATIONS; n++) {
    term *= x / (a + n);
    sum += term;
    if (term < sum * EPSILON) break;
  }
  return sum * gammaPrefactor(a, x);
}

/** Q(a, x) by its continued fraction (modified Lentz); converges quickly for x > a + 1. */
function gammaQContinuedFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < GAMMA_MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return h * gammaPrefactor(a, x);
}

/**
 * Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a) = scipy.special.gammaincc(a, x), for a > 0.
 * Each branch computes the ratio that is not close to 1, so tail values down to ~1e-300 keep their relative
 * precision.
 */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  if (x < a + 1) return Math.max(0, 1 - gammaPSeries(a, x));
  return gammaQContinuedFraction(a, x);
}

/** Regularized lower incomplete gamma P(a, x) = γ(a, x) / Γ(a) = scipy.special.gammainc(a, x), for a > 0. */
export function regularizedGammaP(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) return NaN;
  if (x <= 0) return 0;
  if (x === Infinity) return 1;
  if (x < a + 1) return Math.min(1, gammaPSeries(a, x));
  return Math.max(0, 1 - gammaQContinuedFraction(a, x));
}

/** x · 2^exponent without overflowing or underflowing 2^exponent on its own. */
function ldexp(x: number, exponent: number): number {
  let result = x;
  let e = exponent;
  while (e > 1000) {
    result *= 2 ** 1000;
    e -= 1000;
  }
  while (e < -1000) {
    result *= 2 ** -1000;
    e += 1000;
  }
  return result * 2 ** e;
}

function clipProbability(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/**
 * Survival function of the limiting Kolmogorov distribution, scipy.special.kolmogorov(x):
 * K̄(x) = 2 Σ_{k≥1} (−1)^(k−1) e^(−2k²x²). Below x = 0.82 the Jacobi-theta form
 * 1 − (√(2π)/x) Σ_{k≥1} e^(−(2k−1)²π²/(8x²)) converges faster; both are cut after the terms that matter in double.
 */
export function kolmogorov(x: number): number {
  if (Number.isNaN(x)) return NaN;
  // Below this bound e^(−π²/(8x²)) underflows and the CDF is 0.
  if (x <= Math.PI / Math.sqrt(8 * 746)) return 1;
  if (x <= 0.82) {
    const w = SQRT_2PI / x;
    const logU8 = -PI_SQUARED / (x * x);
    const u = Math.exp(logU8 / 8);
    if (u === 0) return clipProbability(1 - Math.exp(logU8 / 8 + Math.log(w)));
    const u8 = Math.exp(logU8);
    // 1 + u⁸ + u²⁴ + u⁴⁸ in Horner form.
    let p = 1 + u8 * u8 * u8;
    p = 1 + u8 * u8 * p;
    p = 1 + u8 * p;
    return clipProbability(1 - w * u * p);
  }
  const v = Math.exp(-2 * x * x);
  const v3 = v * v * v;
  // 2(v − v⁴ + v⁹ − v¹⁶) = 2v(1 − v³(1 − v⁵(1 − v⁷))).
  let p = 1 - v3 * v3 * v;
  p = 1 - v3 * v * v * p;
  p = 1 - v3 * p;
  return clipProbability(2 * v * p);
}

/**
 * floor(n·x) and its fractional part, computed exactly: n·x is split into an unevaluated sum hi + lo (Dekker's
 * product), so an n·x that is an integer in exact arithmetic is recognised as one.
 */
function floorAndFraction(n: number, x: number): { floor: number; fraction: number } {
  const hi = n * x;
  const split = 134217729; // 2^27 + 1
  const splitProduct = (v: number): [number, number] => {
    const t = split * v;
    const high = t - (t - v);
    return [high, v - high];
  };
  const [nh, nl] = splitProduct(n);
  const [xh, xl] = splitProduct(x);
  const lo = nh * xh - hi + nh * xl + nl * xh + nl * xl;
  let floor = Math.floor(hi);
  if (floor === hi && lo < 0) floor -= 1;
  let fraction = hi - floor + lo;
  if (fraction >= 1) {
    floor += 1;
    fraction = 0;
  }
  if (fraction < 0) fraction = 0;
  return { floor, fraction };
}

/** Largest n for which scipy sums the exact Smirnov series; beyond it scipy switches to an approximation. */
const SMIRNOV_MAX_COMPUTE_N = 1_000_000;

/**
 * Survival function of the one-sided Kolmogorov–Smirnov statistic D⁺ₙ for a sample of size n,
 * scipy.special.smirnov(n, x), by the Birnbaum–Tingey formula
 *
 *   P(D⁺ₙ ≥ x) = x Σ_{j=0}^{⌊n(1−x)⌋} C(n, j) (1 − x − j/n)^(n−j) (x + j/n)^(j−1),
 *
 * whose terms are all positive. Each term is computed from logarithms; 1 − x − j/n and x + j/n are formed from the
 * exact floor and fraction of n·x so that neither loses precision near the ends of the range. For large n the
 * series is summed from every h-th term where that is the full sum to rounding (see {@link smirnovSampledSum}:
 * tens to hundreds of terms instead of up to n, agreeing with the full sum to ~1e-13 relative); otherwise term by
 * term, as scipy does.
 */
export function smirnov(n: number, x: number): number {
  return smirnovBy(n, x, true);
}

/**
 * {@link smirnov} with every term of the series summed, never sampled: the reference that the sampled sum is
 * tested against (and what `smirnov` computes wherever sampling is not safe).
 */
export function smirnovEveryTerm(n: number, x: number): number {
  return smirnovBy(n, x, false);
}

function smirnovBy(n: number, x: number, sample: boolean): number {
  if (!(n > 0 && x >= 0 && x <= 1) || !Number.isInteger(n)) return NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const { floor: nxFloor, fraction } = floorAndFraction(n, x);
  if (nxFloor === 0 || (nxFloor === 1 && fraction === 0)) {
    // x ≤ 1/n: only the j = n term of the complementary sum survives, CDF = x (1 + x)^(n−1).
    return clipProbability(1 - x * Math.exp((n - 1) * Math.log1p(x)));
  }
  if (-2 * n * x * x < MIN_LOG) return 0;
  if (nxFloor >= n - 1) return Math.exp(n * Math.log1p(-x));
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    // scipy's approximation for very large n: P ≈ exp(−(6nx + 1)² / (18n)).
    const logP = -((6 * n * x + 1) ** 2) / 18 / n;
    return logP < -Math.LN2 ? Math.exp(logP) : 1 + Math.expm1(logP);
  }
  // j runs to ⌊n(1 − x)⌋, except that a term with 1 − x − j/n = 0 (n·x an integer) is zero and is skipped.
  const terms = new SmirnovTerms(n, x, nxFloor, fraction);
  const sampled = sample ? smirnovSampledSum(terms) : undefined;
  if (sampled !== undefined) return clipProbability(x * sampled);
  const lastJ = terms.lastJ;
  let sum = terms.term(0);
  for (let j = 1; j <= lastJ; j++) {
    const term = terms.term(j);
    sum += term;
    // Terms rise to one peak and then fall; stop once the rest cannot reach the last bit of the sum.
    if (term > 0 && 4 * (lastJ - j) * term < EPSILON * sum) break;
    if (term === 0 && j > n / 2) break;
  }
  return clipProbability(x * sum);
}

/**
 * The terms of the Birnbaum–Tingey sum for one (n, x), term j being binom.pmf(j; n, a)/a with a = x + j/n. Each is
 * written in Loader's saddle-point form: the Stirling errors and the deviances bd0 are small, so the exponent
 * carries an absolute error near n·x·ε instead of growing with the n-digit logarithms of C(n, j) and the powers.
 */
class SmirnovTerms {
  /** The last j of the sum: ⌊n(1 − x)⌋, less one when n·x is an integer (that term is zero). */
  readonly lastJ: number;
  private readonly nx: number;
  private readonly stirlingN: number;

  constructor(
    readonly n: number,
    readonly x: number,
    private readonly nxFloor: number,
    private readonly fraction: number,
  ) {
    this.lastJ = n - nxFloor - 1;
    this.nx = nxFloor + fraction;
    this.stirlingN = stirlingError(n);
  }

  /** ln binom.pmf(j; n, x + j/n) for 1 ≤ j ≤ lastJ. */
  logPmf(j: number): number {
    const { n, nx } = this;
    const rest = n - j;
    const restMinusNx = rest - this.nxFloor - this.fraction; // n − j − n·x ≥ 0, exact up to the rounding of the fraction
    const deviationLow = nx - j * Math.log1p(nx / j); // bd0(j, j + n·x)
    const ratio = nx / rest;
    const deviationHigh = rest * (ratio < 0.5 ? -Math.log1p(-ratio) : Math.log(rest / restMinusNx)) - nx; // bd0(n − j, n − j − n·x)
    return (
      this.stirlingN -
      stirlingError(j) -
      stirlingError(rest) -
      deviationLow -
      deviationHigh +
      0.5 * Math.log(n / (2 * Math.PI * j * rest))
    );
  }

  /** Term j; term 0 is (1 − x)^n / x. */
  term(j: number): number {
    if (j === 0) return Math.exp(this.n * Math.log1p(-this.x)) / this.x;
    return Math.exp(this.logPmf(j)) / ((j + this.nx) / this.n);
  }

  /** ln of term j. */
  logTerm(j: number): number {
    if (j === 0) return this.n * Math.log1p(-this.x) - Math.log(this.x);
    return this.logPmf(j) - Math.log((j + this.nx) / this.n);
  }
}

/** Sampling every h-th term needs h ≥ this; below it (small n, or a narrow peak) every term is summed. */
const SMIRNOV_SAMPLED_MIN_STEP = 8;
/** The first step tried is σ / this, σ the width of the terms' peak. */
const SMIRNOV_SAMPLED_STEPS_PER_SIGMA = 6;
/** A sampled term below this fraction of the running sum, on the falling side, ends the walk. */
const SMIRNOV_SAMPLED_NEGLIGIBLE = 1e-20;
/** Where the walk reaches an end of the sum first, the last sample must be below this fraction of the sum. */
const SMIRNOV_SAMPLED_AT_END = 1e-17;
/** The step-h sum is used only if the step-2h sum (every other sample) agrees with it to this relative error. */
const SMIRNOV_SAMPLED_AGREEMENT = 1e-12;

/**
 * The Birnbaum–Tingey sum Σⱼ term(j) from every h-th term only, or undefined where that cannot be shown to be
 * the full sum to rounding (the caller then sums every term, as scipy does).
 *
 * For large n the terms are samples at the integers of one smooth, bell-shaped function of j: they rise to a
 * single peak near j = n(½ − x) and fall on both sides, and the function (Γ functions and powers of j) is analytic
 * between its branch points j = −n·x and j = n(1 − x), beyond both ends of the sum. Summing every term is the
 * trapezoid rule with step 1 for the integral of that function, and the trapezoid rule with a step h that is still
 * small against the scale on which the function changes gives the same integral: for a smooth function that is
 * negligible at both ends the error falls like e^(−2π²s²/h²) for a feature of width s (the Poisson summation
 * formula), not like a power of h. The peak is σ ~ √n / (4x) wide (hundreds to thousands of terms for the sizes of a
 * window), so h·Σₖ term(peak + k·h) needs tens to hundreds of terms instead of n(1 − x).
 *
 * Nothing of that is assumed; each step is checked on the numbers. σ is measured from the curvature of ln term(j)
 * at the peak and the first h is σ/6. The samples are walked outward from the peak until they are falling and
 * below 1e-20 of the sum (if the walk reaches j = 0 or the last j first, the last sample must be below 1e-17 of
 * the sum: the terms after it, at most h of them, then weigh less than that). The step-2h sum, made of every other
 * sample, must agree with the step-h sum to 1e-12; where the bell is lopsided (small n·x², whose tails steepen
 * towards the ends) it does not, and h is halved, down to 8. Measured on a grid of n from 100 to 400,000 and
 * n·x² from 2.2 to 370 (the region where scipy's kstwo uses smirnov), the error of the accepted step-h sum was
 * at least ~400 times smaller than that disagreement, and the result agreed with the full sum to 2e-13 relative
 * (docs/metrics.md).
 */
function smirnovSampledSum(terms: SmirnovTerms): number | undefined {
  const { n, x, lastJ } = terms;
  const m = Math.round(Math.sqrt(n));
  const peak = Math.round(n * (0.5 - x));
  if (peak - m < 1 || peak + m > lastJ) return undefined;
  const logPeak = terms.logTerm(peak);
  const curvature = 2 * logPeak - terms.logTerm(peak - m) - terms.logTerm(peak + m);
  if (!(curvature > 0) || !Number.isFinite(logPeak)) return undefined;
  for (
    let h = Math.floor(m / Math.sqrt(curvature) / SMIRNOV_SAMPLED_STEPS_PER_SIGMA);
    h >= SMIRNOV_SAMPLED_MIN_STEP;
    h = Math.floor(h / 2)
  ) {
    const sum = smirnovSampledWalk(terms, peak, logPeak, h);
    if (sum === undefined) continue;
    // Below e^−700 the peak's term is subnormal or 0 on its own; the product is formed in the exponent instead.
    return logPeak > -700 ? sum * Math.exp(logPeak) : Math.exp(logPeak + Math.log(sum));
  }
  return undefined;
}

/** h·Σₖ term(peak + k·h) / term(peak), or undefined where the checks of {@link smirnovSampledSum} fail at this h. */
function smirnovSampledWalk(terms: SmirnovTerms, peak: number, logPeak: number, h: number): number | undefined {
  const lastJ = terms.lastJ;
  // Samples relative to the peak's term; even and odd k kept apart for the step-2h check.
  let even = 1;
  let odd = 0;
  for (const direction of [1, -1]) {
    let previous = 1;
    let falling = false;
    for (let k = 1; ; k++) {
      const j = peak + direction * k * h;
      if (j < 0 || j > lastJ) {
        // The walk reached an end of the sum: at most h terms lie between the last sample and the end, none larger
        // than that sample once the terms fall, so they weigh at most one sample in the step-h sum.
        if (falling && previous < SMIRNOV_SAMPLED_AT_END * (even + odd)) break;
        return undefined;
      }
      const term = Math.exp(terms.logTerm(j) - logPeak);
      if (k % 2 === 0) even += term;
      else odd += term;
      falling = term < previous;
      if (falling && term < SMIRNOV_SAMPLED_NEGLIGIBLE * (even + odd)) break;
      previous = term;
    }
  }
  const fine = h * (even + odd);
  const coarse = 2 * h * even;
  return Math.abs(fine - coarse) <= SMIRNOV_SAMPLED_AGREEMENT * fine ? fine : undefined;
}

/**
 * Stirling's error ln(k!) − [(k + ½) ln k − k + ln √(2π)] for integers k ≥ 1: the series for k ≥ 10, the
 * definition (exact logarithms of small factorials) below.
 */
function stirlingError(k: number): number {
  if (k >= 10) return stirlingCorrection(k);
  let logFactorial = 0;
  for (let i = 2; i <= k; i++) logFactorial += Math.log(i);
  return logFactorial - (k + 0.5) * Math.log(k) + k - LN_SQRT_2PI;
}

/** ln(n! / nⁿ) by Stirling's series, for n > 140 where the direct product would underflow. */
function logFactorialOverPower(n: number): number {
  return Math.log(n) / 2 - n + LN_SQRT_2PI + stirlingCorrection(n);
}

/** C = A·B for square row-major m×m matrices. */
function matrixMultiply(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const c = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < m; j++) c[i * m + j]! += aik * b[k * m + j]!;
    }
  }
  return c;
}

/**
 * P(Dₙ ≤ d) by Durbin's matrix method in the form of Marsaglia, Tsang and Wang (2003): with d = (k − h)/n,
 * 0 ≤ h < 1, the CDF is n!/nⁿ times the (k, k) entry of Hⁿ for a (2k − 1)-square matrix H. Powers are scaled by
 * 2^±128 with the exponent tracked separately, as in scipy.
 */
function kolmogorovCdfDurbin(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  // v[j] = (1 − h^(j+1)) / (j + 1)!, w[j] = 1 / j!
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let factorialInverse = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = factorialInverse;
    factorialInverse /= j;
    v[j - 1] = (1 - h ** j) * factorialInverse;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * factorialInverse;

  let power: Float64Array = new Float64Array(m * m);
  for (let c = 1; c < m; c++) {
    for (let r = c - 1; r < m; r++) power[r * m + c] = w[r - c + 1]!;
  }
  for (let r = 0; r < m; r++) power[r * m] = v[r]!;
  for (let c = 0; c < m; c++) power[(m - 1) * m + c] = v[m - 1 - c]!;

  let result: Float64Array | undefined;
  let resultExponent = 0;
  let powerExponent = 0;
  const diagonal = (k - 1) * m + (k - 1);
  for (let remaining = n; remaining > 0; remaining = Math.floor(remaining / 2)) {
    if (remaining % 2 === 1) {
      result = result === undefined ? power.slice() : matrixMultiply(result, power, m);
      resultExponent += powerExponent;
    }
    if (remaining === 1) break;
    power = matrixMultiply(power, power, m);
    powerExponent *= 2;
    if (Math.abs(power[diagonal]!) > TWO_POW_128) {
      for (let i = 0; i < power.length; i++) power[i]! /= TWO_POW_128;
      powerExponent += 128;
    }
  }
  let p = result![diagonal]!;
  let exponent = resultExponent;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < TWO_POW_MINUS_128) {
      p *= TWO_POW_128;
      exponent -= 128;
    }
  }
  return clipProbability(ldexp(p, exponent));
}

/**
 * P(Dₙ ≤ d) by Pomeranz's recursion (1974): 2n + 1 convolutions of a short row with one of three truncated
 * Poisson-like weight vectors; the CDF is n! times the last entry. Used by scipy for n ≤ 140 and 0.754693 < n·d²
 * ≤ 4.
 */
function kolmogorovCdfPomeranz(n: number, d: number): number {
  const t = n * d;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilF = f > 0 ? 1 : 0;
  const roundF = f > 0.5 ? 1 : 0;
  const length = 2 * (ll + 1);
  // (g/n)^k/k!, (2g/n)^k/k!, ((1 − 2g)/n)^k/k!: Poisson probabilities without their normalising factor.
  const gPowers = new Float64Array(length);
  const twoGPowers = new Float64Array(length);
  const oneMinusTwoGPowers = new Float64Array(length);
  gPowers[0] = twoGPowers[0] = oneMinusTwoGPowers[0] = 1;
  const gOverN = g / n;
  const twoGOverN = (2 * g) / n;
  const oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let k = 1; k < length; k++) {
    gPowers[k] = (gPowers[k - 1]! * gOverN) / k;
    twoGPowers[k] = (twoGPowers[k - 1]! * twoGOverN) / k;
    oneMinusTwoGPowers[k] = (oneMinusTwoGPowers[k - 1]! * oneMinusTwoGOverN) / k;
  }

  // The non-zero window [j1, j2] of row i.
  const window = (i: number): [number, number] => {
    let j1: number;
    let j2: number;
    if (i === 0) {
      j1 = -ll - ceilF - 1;
      j2 = ll + ceilF - 1;
    } else {
      const half = Math.floor((i + 1) / 2);
      if ((i + 1) % 2 === 0) {
        if (half === n + 1) {
          j1 = n - ll - ceilF - 1;
          j2 = n + ll + ceilF - 1;
        } else {
          j1 = half - 1 - ll - roundF - 1;
          j2 = half + ll - 1 + ceilF - 1;
        }
      } else {
        j1 = half - 1 - ll - 1;
        j2 = half + ll + roundF - 1;
      }
    }
    return [Math.max(j1 + 2, 0), Math.min(j2, n)];
  };

  let previous = new Float64Array(length);
  let current = new Float64Array(length);
  current[0] = 1;
  let previousStart = 0;
  let currentStart = 0;
  let exponent = 0;
  let j1 = window(0)[0];
  for (let i = 1; i <= 2 * n + 1; i++) {
    const k1 = j1;
    [previous, current] = [current, previous];
    [previousStart, currentStart] = [currentStart, previousStart];
    current.fill(0);
    const [nextJ1, j2] = window(i);
    j1 = nextJ1;
    const weights = i === 1 || i === 2 * n + 1 ? gPowers : i % 2 === 1 ? twoGPowers : oneMinusTwoGPowers;
    const span = j2 - k1 + 1;
    if (span <= 0) continue;
    // Entries [j1 − k1, j2 − k1] of the full convolution of previous[k1 …] (span entries) with weights[0 … span).
    const offset = k1 - previousStart;
    const available = Math.min(span, length - offset);
    const first = j1 - k1;
    const count = j2 - j1 + 1;
    let max = 0;
    for (let out = 0; out < count; out++) {
      const index = first + out;
      let acc = 0;
      const pLow = Math.max(0, index - (span - 1));
      const pHigh = Math.min(index, available - 1);
      for (let p = pLow; p <= pHigh; p++) acc += previous[offset + p]! * weights[index - p]!;
      current[out] = acc;
      if (acc > max) max = acc;
    }
    if (max > 0 && max < TWO_POW_MINUS_128) {
      for (let out = 0; out < count; out++) current[out]! *= TWO_POW_128;
      exponent -= 128;
    }
    currentStart = previousStart + j1 - k1;
  }
  let answer = current[n - currentStart]!;
  for (let k = 1; k <= n; k++) {
    if (Math.abs(answer) > TWO_POW_128) {
      answer *= TWO_POW_MINUS_128;
      exponent += 128;
    }
    answer *= k;
  }
  return clipProbability(ldexp(answer, exponent));
}

/**
 * The Pelz–Good (1976) approximation to P(Dₙ ≤ d): the Li-Chien/Korolyuk expansion
 * K₀(z) + K₁(z)/√n + K₂(z)/n + K₃(z)/n^{3/2}, z = d√n, in the Jacobi-theta form that converges for small z.
 */
function kolmogorovCdfPelzGood(n: number, d: number): number {
  if (d <= 0) return 0;
  if (d >= 1) return 1;
  const z = Math.sqrt(n) * d;
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qLog = -PI_SQUARED / 8 / z2;
  if (qLog < -708) return 0;
  let q = Math.exp(qLog);
  const pi4 = PI_SQUARED * PI_SQUARED;
  const pi6 = pi4 * PI_SQUARED;

  const k1a = -z2;
  const k1b = PI_SQUARED / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI_SQUARED) / 4;
  const k2c = (pi4 * (1 - 2 * z2)) / 16;
  const k3d = (pi6 * (5 - 30 * z2)) / 64;
  const k3c = (pi4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI_SQUARED * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;

  // Σ over odd m = 2k − 1 of c(m) q^(m²), by Horner in q^(8k) from the largest k down.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const maxK = Math.ceil((16 * z) / Math.PI);
  for (let k = maxK; k >= 1; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qPower = q ** (8 * k);
    s0 = s0 * qPower + 1;
    s1 = s1 * qPower + (k1a + k1b * m2);
    s2 = s2 * qPower + (k2a + k2b * m2 + k2c * m4);
    s3 = s3 * qPower + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
  }
  const common = q * SQRT_2PI;
  const k0 = (s0 * common) / z;
  let kk1 = (s1 * common) / (6 * z4);
  let kk2 = (s2 * common) / (72 * z ** 7);
  let kk3 = (s3 * common) / (6480 * z ** 10);

  // The terms over all integers k of K₂ and K₃; no subtractive cancellation, so summed directly.
  q = Math.exp(-PI_SQUARED / 2 / z2);
  const sqrt3z = Math.sqrt(3) * z;
  let extra2 = 0;
  let extra3 = 0;
  for (let k = maxK; k >= 1; k--) {
    const k2 = k * k;
    const qk = q ** k2;
    extra2 += k2 * qk;
    const kPi = Math.PI * k;
    extra3 += (sqrt3z + kPi) * (sqrt3z - kPi) * k2 * qk;
  }
  kk2 += (extra2 * PI_SQUARED * SQRT_2PI) / (-36 * z2 * z);
  kk3 += (extra3 * PI_SQUARED * SQRT_2PI) / (216 * z6);
  kk1 /= Math.sqrt(n);
  kk2 /= n;
  kk3 /= n ** 1.5;
  return k0 + kk1 + kk2 + kk3;
}

/**
 * Survival function of the two-sided one-sample Kolmogorov–Smirnov statistic, P(Dₙ ≥ d) =
 * scipy.stats.kstwo.sf(d, n), with scipy's choice of method by region (Simard & L'Ecuyer 2011):
 * Ruben–Gambino closed forms for n·d ≤ 1 and n·d ≥ n − 1; 2·smirnov(n, d) where the one-sided tails cannot
 * overlap (d ≥ ½) or their overlap is negligible (large n·d²); otherwise 1 − CDF with the CDF from Durbin's
 * matrix, Pomeranz's recursion or the Pelz–Good expansion.
 */
export function kolmogorovSmirnovSf(n: number, d: number): number {
  if (Number.isNaN(n) || Number.isNaN(d) || !Number.isInteger(n) || n <= 0) return NaN;
  if (d >= 1) return 0;
  if (d <= 0) return 1;
  const t = n * d;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let cdf: number;
    if (n <= 140) {
      cdf = 1;
      const base = 2 * t - 1;
      for (let i = 1; i <= n; i++) cdf *= i * (1 / n) * base;
    } else {
      cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return clipProbability(1 - cdf);
  }
  if (t >= n - 1) return clipProbability(2 * (1 - d) ** n);
  if (d >= 0.5) return clipProbability(2 * smirnov(n, d));
  const nd2 = t * d;
  if (n <= 140) {
    if (nd2 <= 0.754693) return clipProbability(1 - kolmogorovCdfDurbin(n, d));
    if (nd2 <= 4) return clipProbability(1 - kolmogorovCdfPomeranz(n, d));
    return clipProbability(2 * smirnov(n, d));
  }
  if (nd2 >= 370) return 0;
  if (nd2 >= 2.2) return clipProbability(2 * smirnov(n, d));
  const cdf = n <= 100_000 && n * d ** 1.5 <= 1.4 ? kolmogorovCdfDurbin(n, d) : kolmogorovCdfPelzGood(n, d);
  return clipProbability(1 - cdf);
}

/**
 * Exact P(D_{m,n} ≥ h / lcm(m, n)) for the two-sided two-sample statistic, with 0 < h ≤ lcm(m, n), as scipy's
 * ks_2samp computes it for method='exact'.
 *
 * Every path of m + n unit steps from (0, 0) to (m, n) is equally likely under H₀; D ≥ h/lcm exactly when the
 * path touches |x/m − y/n| ≥ h/lcm, i.e. |x·n/g − y·m/g| ≥ h with g = gcd(m, n). For m = n the reflection
 * principle gives a closed alternating sum; otherwise the fraction of paths that have left the band is carried
 * column by column (Viehmann 2021, the "inside method" recast to compute 1 − p directly, which avoids both
 * overflow and the cancellation of 1 − (inside paths)/C(m + n, n)).
 */
export function ksTwoSampleExactSf(m: number, n: number, h: number): number {
  if (h <= 0) return 1;
  if (m === n) return probabilityOutsideSquare(n, h);
  return probabilityOutsideBand(m, n, h);
}

/**
 * For m = n: P = 2 Σ_{k≥1} (−1)^(k−1) C(2n, n − kh) / C(2n, n), evaluated as
 * 2·A₁(1 − A₂(1 − A₃(…))) with Aₖ = C(2n, n − kh)/C(2n, n − (k−1)h), each a product of h ratios ≤ 1.
 */
function probabilityOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let ratio = 1;
    for (let j = 0; j < h; j++) ratio = ((n - k * h - j) * ratio) / (n + k * h + j + 1);
    p = ratio * (1 - p);
  }
  return 2 * p;
}

/**
 * For m ≠ n. Q(x, y), the fraction of the C(x + y, y) paths to (x, y) that have already left the band, obeys
 * Q(x, y) = [x·Q(x − 1, y) + y·Q(x, y − 1)] / (x + y) inside the band and Q = 1 outside it. Only the inside
 * window of each column is updated: points above the window have never been written and keep their initial 1.
 */
function probabilityOutsideBand(m: number, n: number, h: number): number {
  if (m < n) [m, n] = [n, m];
  const g = gcd(m, n);
  const mg = m / g;
  const ng = n / g;
  const column = new Float64Array(n + 1).fill(1);
  // Column x = 0: (0, y) is inside while y·mg < h.
  const firstTop = Math.min(Math.ceil(h / mg), n + 1);
  column.fill(0, 0, firstTop);
  for (let x = 1; x <= m; x++) {
    const bottom = Math.min(Math.max(Math.floor((ng * x - h) / mg) + 1, 0), n);
    const top = Math.min(Math.ceil((ng * x + h) / mg), n + 1);
    if (top <= bottom) return 1;
    // Q(x, bottom − 1) is outside the band (1) unless bottom = 0, where its weight y = 0 makes it irrelevant.
    let below = bottom === 0 ? 0 : 1;
    for (let y = bottom; y < top; y++) {
      below = (column[y]! * x + below * y) / (x + y);
      column[y] = below;
    }
  }
  return column[n]!;
}

/** Greatest common divisor of two non-negative integers. */
export function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
