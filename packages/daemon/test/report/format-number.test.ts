import { formatNumber, formatPValue } from '../../src/report/format-number';

describe("the report's numbers", () => {
  it('writes every minus sign as a minus, the exponent\'s too (before: "−7.52e-12" beside "1.28e−6")', () => {
    expect(formatNumber(-7.52e-12)).toBe('−7.52e−12');
    expect(formatNumber(1.28e-6)).toBe('1.28e−6');
    expect(formatNumber(-3.5e7)).toBe('−3.50e+7');
    expect(formatNumber(-0.25)).toBe('−0.25');
    expect(formatPValue(2.5e-9)).toBe('2.5e−9');
    expect(formatNumber(-1.5e-5)).not.toMatch(/-/);
  });
});
