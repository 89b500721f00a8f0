import type { ReviewItem } from '@vigil/store';
import { describeItem, printable } from '../../src/review/describe-item';

const T = Date.parse('2026-03-01T10:00:00Z');

const item: ReviewItem = {
  id: '17',
  model: 'credit-risk',
  predictionId: 'e1',
  version: 'v1',
  eventTs: T,
  score: 0.52,
  prediction: 1,
  features: { age: 19, income: null, region: 'west\u001b[2J\nage: 40' },
  attributions: {},
  groups: { sex: 'female' },
  reasons: [
    { policy: 'audit', rate: 0.01 },
    { policy: 'borderline', distance: 0.02, margin: 0.03 },
    { policy: 'unusual', kind: 'new_category', feature: 'region', value: 'west\u001b[2J\nage: 40' },
  ],
  policies: ['audit', 'borderline', 'unusual'],
  priority: 2,
  context: {
    window: { start: T - 1_800_000, end: T, version: 'v1', rows: 1200, labelledRows: 900 },
    metrics: [
      { metric: 'psi', feature: 'age', value: 0.125 },
      { metric: 'ece', feature: '', value: 0.031 },
      { metric: 'auc', feature: '', value: null },
    ],
    openIncidents: [
      {
        id: '3',
        version: 'v1',
        metric: 'psi',
        feature: 'age',
        group: '',
        severity: 'critical',
        status: 'open',
        value: 0.31,
        threshold: 0.2,
        openedAt: T - 600_000,
      },
    ],
  },
  status: 'decided',
  flaggedAt: T + 5000,
  expiresAt: T + 7 * 86_400_000,
  claimedBy: 'ana',
  claimedAt: T + 60_000,
  claimExpiresAt: T + 1_860_000,
  decidedBy: 'ana',
  decidedAt: T + 120_000,
  verdict: 'override',
  label: 0,
  verdictReason: 'paid\tin full',
};

describe('describeItem', () => {
  it('prints the whole context, a field a line, with the control characters of user values escaped', () => {
    expect(describeItem(item, { task: 'binary', threshold: 0.5 })).toBe(
      [
        'Item:        17',
        'Status:      decided',
        'Model:       credit-risk, version v1',
        'Prediction:  e1 at 2026-03-01T10:00:00Z',
        'Score:       0.52 (threshold 0.5, distance 0.02)',
        'Predicted:   1',
        'Flagged:     2026-03-01T10:00:05Z by audit, borderline, unusual (priority 2)',
        'Reasons:',
        '  - audit: in the uniform random sample (rate 0.01)',
        '  - borderline: 0.02 from the threshold (margin 0.03)',
        '  - unusual: region=west\\u{1b}[2J\\nage: 40 was never seen in the reference',
        'Features:',
        '  age     19',
        '  income  (missing)',
        '  region  west\\u{1b}[2J\\nage: 40  (unusual)',
        'Groups:',
        '  sex  female',
        'Model when flagged:',
        '  window 2026-03-01T09:30:00Z – 2026-03-01T10:00:00Z, version v1, 1200 rows, 900 labelled',
        '  psi age  0.125',
        '  ece      0.031',
        '  auc      —',
        'Open incidents:',
        '  #3 critical open: psi age = 0.31 (threshold 0.2), opened 2026-03-01T09:50:00Z',
        'Verdict:     override by ana at 2026-03-01T10:02:00Z, label 0',
        'Reason:      paid\\tin full',
        '',
      ].join('\n'),
    );
  });

  it('lists the logged attributions under the features, largest |attribution| first, and none when the event carried none', () => {
    const text = describeItem({ ...item, attributions: { age: 0.05, income: -0.25, 'region\u001b[2J': 0.125 } });
    expect(text).toMatch(/\nAttributions:\n {2}income +-0\.25\n {2}region\\u\{1b\}\[2J +0\.125\n {2}age +0\.05\n/);
    expect(describeItem(item)).not.toContain('Attributions:');
  });

  it('says what is not there: no window analysed, no incidents, erased features, a pending item and its expiry', () => {
    const text = describeItem({
      ...item,
      status: 'pending',
      features: {},
      attributions: {},
      groups: {},
      context: {},
      verdict: null,
      decidedBy: null,
      decidedAt: null,
      label: null,
      verdictReason: null,
    });
    expect(text).toContain('Status:      pending, expires 2026-03-08T10:00:00Z\n');
    expect(text).toContain('Features:    (erased by retention)\n');
    expect(text).toContain('Model when flagged:\n  no analysed window yet\nOpen incidents: none\n');
    expect(text).not.toContain('Score:       0.52 (threshold');
    expect(text).not.toContain('Verdict');
  });

  it('escapes every control character and terminal-reordering character, and nothing else', () => {
    expect(printable('a\u0000b\u007fc\u009bd\u2028e\u202ef\u2066g')).toBe(
      'a\\u{0}b\\u{7f}c\\u{9b}d\\u{2028}e\\u{202e}f\\u{2066}g',
    );
    expect(printable('plain <script> é ü 中文 "q" \\')).toBe('plain <script> é ü 中文 "q" \\');
  });
});
