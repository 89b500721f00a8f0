import { parseDuration } from '@vigil/core';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['1d', 86_400_000],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it('refuses what is not a duration, naming where', () => {
    expect(() => parseDuration('soon', 'models[0].window.size')).toThrow(
      /models\[0\]\.window\.size: "soon" is not a duration/,
    );
    expect(() => parseDuration('5 minutes')).toThrow(/not a duration/);
  });
});
