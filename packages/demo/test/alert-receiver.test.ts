import { alertLines, type ReceivedAlert } from '../src/alert-receiver';

const window = (start: string, end: string) => ({
  start: `${start}T00:00:00.000Z`,
  end: `${end}T00:00:00.000Z`,
  rows: 1000,
});
const subject = (
  id: string,
  metric: string,
  status: ReceivedAlert['status'],
  value: number,
  extra: Partial<ReceivedAlert> = {},
): ReceivedAlert => ({
  incidentId: id,
  status,
  severity: 'warning',
  model: 'flights',
  version: '1',
  metric,
  feature: null,
  group: null,
  value,
  threshold: 0.05,
  comparison: '>',
  window: window('2001-05-10', '2001-05-17'),
  ...extra,
});

describe('the demo receiver prints what each notice changes', () => {
  it('one line per subject whose state changed; a resolve says what cleared it and the last breach', () => {
    const printed = new Map<string, string>();
    const first = { ...subject('a', 'ece', 'firing', 0.0578), subjects: [subject('a', 'ece', 'firing', 0.0578)] };
    expect(alertLines(first, printed)).toEqual([
      'ALERT [firing] warning  flights/1 ece = 0.0578 > 0.05  window 2001-05-10 – 2001-05-17 (1,000 rows)',
    ]);
    const resolution = {
      window: window('2001-05-17', '2001-05-24'),
      value: 0.0133,
      clearThreshold: 0.03,
      comparison: '<=' as const,
    };
    const lastBreach = { window: window('2001-05-10', '2001-05-17'), value: 0.0578, threshold: 0.05, comparison: '>' };
    // An update: a new subject joins (printed), the first one resolved meanwhile (printed as resolved).
    const update = {
      ...subject('b', 'brier', 'firing', 0.3),
      subjects: [
        subject('b', 'brier', 'firing', 0.3),
        subject('a', 'ece', 'resolved', 0.0578, { resolution, lastBreach }),
      ],
    };
    expect(alertLines(update, printed)).toEqual([
      'ALERT [firing] warning  flights/1 brier = 0.3 > 0.05  window 2001-05-10 – 2001-05-17 (1,000 rows)',
      'ALERT [resolved] warning  flights/1 ece = 0.0133, within the clear threshold 0.03  window 2001-05-17 – 2001-05-24  (last breach 0.0578 > 0.05, window 2001-05-10 – 2001-05-17)',
    ]);
    // The same update again (a retry) prints nothing.
    expect(alertLines(update, printed)).toEqual([]);
  });

  it('states only true comparisons: a value that did not breach is printed with "not"', () => {
    const printed = new Map<string, string>();
    const resolution = {
      window: window('2001-02-15', '2001-02-22'),
      value: 0.0255,
      clearThreshold: 0.03,
      comparison: '<=' as const,
    };
    // The notice of an incident whose recorded window did not breach (before: "last breach 0.0354 > 0.0500").
    const lastBreach = { window: window('2001-02-08', '2001-02-15'), value: 0.0354, threshold: 0.05, comparison: '>' };
    expect(alertLines(subject('c', 'ece', 'resolved', 0.0354, { resolution, lastBreach }), printed)).toEqual([
      'ALERT [resolved] warning  flights/1 ece = 0.0255, within the clear threshold 0.03  window 2001-02-15 – 2001-02-22  (last value 0.0354, not > 0.05, window 2001-02-08 – 2001-02-15)',
    ]);
    expect(alertLines(subject('d', 'ece', 'firing', 0.0412), printed)).toEqual([
      'ALERT [firing] warning  flights/1 ece = 0.0412, not > 0.05  window 2001-05-10 – 2001-05-17 (1,000 rows)',
    ]);
  });
});
