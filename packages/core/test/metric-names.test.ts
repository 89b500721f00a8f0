import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRIC_NAMES, RULE_METRICS } from '@vigil/core';

describe('METRIC_NAMES', () => {
  it('names each metric once', () => {
    expect(new Set(METRIC_NAMES).size).toBe(METRIC_NAMES.length);
  });

  it('holds every metric a rule may name', () => {
    const names: readonly string[] = METRIC_NAMES;
    expect(Object.keys(RULE_METRICS).filter((m) => !names.includes(m))).toEqual([]);
  });

  it('is documented: docs/metrics.md names every metric', () => {
    const docs = readFileSync(join(__dirname, '../../../docs/metrics.md'), 'utf8');
    expect(METRIC_NAMES.filter((m) => !docs.includes(`\`${m}\``))).toEqual([]);
  });
});
