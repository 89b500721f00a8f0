import fc from 'fast-check';
import {
  classificationRates,
  clippedLogLossTerm,
  confusionCounts,
  logLoss,
  rocAuc,
} from '../../src/stats/classification';
import { expectClose, f64, golden, reportWorstErrors } from './outcome-golden';

afterAll(reportWorstErrors);

describe('golden vectors (scikit-learn)', () => {
  for (const c of golden.binary) {
    const scores = f64(c.scores);
    const labels = f64(c.labels);
    const predictions = f64(c.predictions);

    test(`${c.name}: ${c.note}`, () => {
      const counts = confusionCounts(predictions, labels);
      expect(counts).toEqual(c.expected.confusion);
      const rates = classificationRates(counts);
      expectClose('accuracy', rates.accuracy, c.expected.accuracy);
      expectClose('precision', rates.precision, c.expected.precision);
      expectClose('recall', rates.recall, c.expected.recall);
      expectClose('rocAuc', rocAuc(scores, labels), c.expected.auc);
      expectClose('logLoss', logLoss(scores, labels), c.expected.logLoss);
    });
  }
});

describe('edge cases', () => {
  test('AUC is NaN with a single class or no labelled rows', () => {
    expect(rocAuc(Float64Array.of(0.1, 0.9), Float64Array.of(1, 1))).toBeNaN();
    expect(rocAuc(Float64Array.of(0.1, 0.9), Float64Array.of(Number.NaN, 0))).toBeNaN();
    expect(rocAuc(new Float64Array(0), new Float64Array(0))).toBeNaN();
  });

  test('tied scores count one half', () => {
    expect(rocAuc(Float64Array.of(0.5, 0.5), Float64Array.of(0, 1))).toBe(0.5);
    expect(rocAuc(Float64Array.of(0.2, 0.5, 0.5, 0.9), Float64Array.of(0, 1, 0, 1))).toBe(0.875);
  });

  test('log loss clips at float64 epsilon: a confident wrong answer costs −ln(2⁻⁵²)', () => {
    expect(clippedLogLossTerm(0, 1)).toBe(-Math.log(2 ** -52));
    expect(clippedLogLossTerm(1, 0)).toBe(-Math.log(2 ** -52));
    expect(clippedLogLossTerm(1, 1)).toBe(-Math.log(1 - 2 ** -52));
    expect(logLoss(Float64Array.of(0.5), Float64Array.of(Number.NaN))).toBeNaN();
  });

  test('rates with zero denominators: precision and recall 0, accuracy NaN', () => {
    expect(classificationRates({ tp: 0, fp: 0, tn: 3, fn: 0 })).toEqual({ accuracy: 1, precision: 0, recall: 0 });
    expect(classificationRates({ tp: 0, fp: 0, tn: 0, fn: 0 }).accuracy).toBeNaN();
  });

  test('rows with a NaN label or prediction are not counted', () => {
    const counts = confusionCounts(Float64Array.of(1, Number.NaN, 0, 1), Float64Array.of(1, 1, Number.NaN, 0));
    expect(counts).toEqual({ tp: 1, fp: 1, tn: 0, fn: 0 });
  });
});

/** Rows with dyadic scores k/1024, so that 1 − s is exact and keeps ties as they are. */
const rows = fc.array(
  fc.tuple(
    fc.integer({ min: 0, max: 1024 }).map((k) => k / 1024),
    fc.constantFrom(0, 1, Number.NaN),
    fc.constantFrom(0, 1, Number.NaN),
  ),
  { maxLength: 150 },
);
const column = (r: [number, number, number][], i: 0 | 1 | 2): Float64Array => Float64Array.from(r, (x) => x[i]);

function naiveAuc(scores: Float64Array, labels: Float64Array): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1 || Number.isNaN(scores[i]!)) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0 || Number.isNaN(scores[j]!)) continue;
      pairs++;
      wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return pairs === 0 ? Number.NaN : wins / pairs;
}

describe('properties', () => {
  test('AUC lies in [0, 1], equals the pair count, and AUC(1 − s) = 1 − AUC(s)', () => {
    fc.assert(
      fc.property(rows, (r) => {
        const s = column(r, 0);
        const y = column(r, 1);
        const auc = rocAuc(s, y);
        const naive = naiveAuc(s, y);
        if (Number.isNaN(naive)) return Number.isNaN(auc);
        const flipped = rocAuc(
          s.map((v) => 1 - v),
          y,
        );
        return auc >= 0 && auc <= 1 && Math.abs(auc - naive) <= 1e-12 && Math.abs(flipped - (1 - auc)) <= 1e-12;
      }),
    );
  });

  test('AUC, log loss, confusion counts and rates do not depend on row order', () => {
    fc.assert(
      fc.property(
        rows.chain((r) => fc.tuple(fc.constant(r), fc.shuffledSubarray(r, { minLength: r.length }))),
        ([r, p]) => {
          const [s, y, yhat] = [column(r, 0), column(r, 1), column(r, 2)];
          const [ps, py, pyhat] = [column(p, 0), column(p, 1), column(p, 2)];
          const auc = rocAuc(s, y);
          if (Number.isNaN(auc)) expect(rocAuc(ps, py)).toBeNaN();
          else expect(rocAuc(ps, py)).toBeCloseTo(auc, 12);
          const loss = logLoss(s, y);
          if (Number.isNaN(loss)) expect(logLoss(ps, py)).toBeNaN();
          else expect(logLoss(ps, py)).toBeCloseTo(loss, 10);
          const counts = confusionCounts(yhat, y);
          expect(confusionCounts(pyhat, py)).toEqual(counts);
          expect(classificationRates(confusionCounts(pyhat, py))).toEqual(classificationRates(counts));
        },
      ),
    );
  });

  test('log loss is non-negative and at most −ln ε', () => {
    fc.assert(
      fc.property(rows, (r) => {
        const loss = logLoss(column(r, 0), column(r, 1));
        return Number.isNaN(loss) || (loss >= 0 && loss <= -Math.log(2 ** -52));
      }),
    );
  });
});
