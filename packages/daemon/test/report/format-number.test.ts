import { formatNumber, formatPercent, formatPValue } from '../../src/report/format-number';

describe("the report's numbers", () => {
  it('writes every minus sign as a minus, the exponent\'s too (before: "−7.52e-12" beside "1.28e−6")', () => {
    expect(formatNumber(-7.52e-12)).toBe('−7.52e−12');
    expect(formatNumber(1.28e-6)).toBe('1.28e−6');
    expect(formatNumber(-3.5e7)).toBe('−3.50e+7');
    expect(formatNumber(-0.25)).toBe('−0.25');
    expect(formatPValue(2.5e-9)).toBe('2.5e−9');
    expect(formatNumber(-1.5e-5)).not.toMatch(/-/);
  });

  it('writes a share above 0 that rounds to 0 as "<0.1%", not "0.0%" (1 value of 2,938 outside the range)', () => {
    expect(formatPercent(1 / 2938)).toBe('<0.1%');
    expect(formatPercent(0.004, 0)).toBe('<1%');
    expect(formatPercent(0.0005)).toBe('0.1%');
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.634, 1)).toBe('63.4%');
    expect(formatPercent(0.25)).toBe('25%');
  });
});
