import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fitReferenceProfile, type AnalysisSpec } from '@vigil/analyzers';
import { analyzeMonths } from '../src/flights-demo';
import { FLIGHT_FEATURES, flightsPath, flightsTable, loadFlights, type Flights } from '../src/flights-data';
import {
  byOpening,
  calendarMonths,
  formatStreamSummary,
  MIN_MONTH_ROWS,
  periodCalibration,
  type StreamSummary,
} from '../src/stream-summary';

const root = join(__dirname, '../../..');

describe("byOpening (the order of the summary's incidents)", () => {
  it('lists the incidents one window opened together in the same order whatever order the store returned them in', () => {
    // The demo's week of February 1: the parity and a calibration incident open in one transaction, at one time.
    const week = Date.UTC(2001, 1, 1);
    const at = Date.UTC(2001, 1, 8, 1);
    const incident = (severity: 'warning' | 'critical', metric: string, group = '') => ({
      i: { openedAt: at, severity, metric, feature: '', group },
      opened: week,
    });
    const ece = incident('warning', 'ece');
    const parity = incident('critical', 'statisticalParityDifference', 'origin');
    const psi = incident('warning', 'psi');
    const later = { ...incident('warning', 'ece'), opened: week + 21 * 86_400_000 };
    const expected = [parity, ece, psi, later];
    expect([later, psi, ece, parity].sort(byOpening)).toEqual(expected);
    expect([ece, later, parity, psi].sort(byOpening)).toEqual(expected);
    expect([psi, parity, later, ece].sort(byOpening)).toEqual(expected);
  });
});

describe('calendarMonths', () => {
  it('puts each event in the UTC month of its event time, also inside a week that straddles two months', () => {
    // The demo's week of April 26, 2001 (Thursday) runs to May 2: its bucket starts in April, four of its days are May's.
    const times = [
      Date.UTC(2001, 3, 26, 8),
      Date.UTC(2001, 3, 30, 23, 59, 59, 999),
      Date.UTC(2001, 4, 1),
      Date.UTC(2001, 4, 2, 18),
      Date.UTC(2001, 3, 27),
    ];
    const months = calendarMonths(times);
    expect(months.map((m) => m.period)).toEqual(['2001-04', '2001-05']);
    expect(Array.from(months[0]!.positions)).toEqual([0, 1, 4]);
    expect(Array.from(months[1]!.positions)).toEqual([2, 3]);
    expect(months[1]!.start).toBe(Date.UTC(2001, 4, 1));
    expect(months[1]!.end).toBe(Date.UTC(2001, 5, 1));
  });

  it('orders months by time whatever the order of the events, across a year, and skips unknown times', () => {
    const months = calendarMonths([Date.UTC(2002, 0, 3), Number.NaN, Date.UTC(2001, 11, 31, 23), Date.UTC(2002, 0, 1)]);
    expect(months.map((m) => [m.period, Array.from(m.positions)])).toEqual([
      ['2001-12', [2]],
      ['2002-01', [0, 3]],
    ]);
    expect(months[0]!.end).toBe(Date.UTC(2002, 0, 1));
  });
});

describe('the demo’s months on the real flights, against pandas', () => {
  let flights: Flights;
  beforeAll(async () => {
    flights = await loadFlights(flightsPath(), 15);
  }, 60_000);

  it('counts the flights and the share delayed of each calendar month as pandas does on the Parquet file', async () => {
    // Every 100th February–June flight, as `vigil demo --every 100` streams them.
    const every = 100;
    const rows = Int32Array.from(
      { length: Math.ceil((flights.rows - flights.februaryStart) / every) },
      (_, k) => flights.februaryStart + k * every,
    );
    // Any score will do for the month split; the hour of departure keeps it in [0, 1).
    const scores = Float64Array.from(rows, (r) => (flights.hour[r] as number) / 24);
    const january = Int32Array.from({ length: Math.floor(flights.februaryStart / 50) }, (_, k) => k * 50);
    const profileSpec: AnalysisSpec = {
      task: 'binary',
      features: FLIGHT_FEATURES,
      score: 'score',
      groups: [],
      threshold: 0.5,
      minGroupSize: 30,
      fdr: 0.05,
    };
    const profile = fitReferenceProfile(
      flightsTable(
        flights,
        january,
        'January',
        Float64Array.from(january, (r) => (flights.hour[r] as number) / 24),
      ),
      profileSpec,
    );
    const spec: AnalysisSpec = { ...profileSpec, label: 'label', groups: ['origin'] };
    const months = analyzeMonths(flights, rows, scores, profile, spec);

    const script = [
      'import sys, json, numpy as np, pandas as pd, pyarrow.parquet as pq',
      "t = pq.read_table(sys.argv[1], columns=['date', 'delay']).to_pandas()",
      "d = pd.to_datetime(t['date']).values",
      "feb = int(np.searchsorted(d, np.datetime64('2001-02-01')))",
      's = t.iloc[feb::int(sys.argv[2])]',
      "m = pd.to_datetime(s['date']).dt.strftime('%Y-%m')",
      "known = s['delay'].notna()",
      "late = (s['delay'] > 15) & known",
      "g = pd.DataFrame({'m': m, 'late': late, 'known': known}).groupby('m').sum()",
      'n = pd.Series(m).value_counts()',
      "print(json.dumps({k: {'rows': int(n[k]), 'labelled': int(g.loc[k, 'known']), 'late': int(g.loc[k, 'late'])} for k in g.index}))",
    ].join('\n');
    const reference = JSON.parse(
      execFileSync(join(root, '.venv/bin/python'), ['-c', script, flightsPath(), String(every)], { encoding: 'utf8' }),
    ) as Record<string, { rows: number; labelled: number; late: number }>;

    expect(months.map((m) => m.analysis.period)).toEqual(Object.keys(reference).sort());
    for (const { analysis } of months) {
      const theirs = reference[analysis.period]!;
      expect(analysis.rows).toBe(theirs.rows);
      expect(analysis.labelled).toBe(theirs.labelled);
      if (theirs.rows < MIN_MONTH_ROWS) continue;
      const row = periodCalibration(analysis.period, analysis.analysis, analysis.rows, analysis.labelled);
      expect(row.delayRate).toBeCloseTo(theirs.late / theirs.labelled, 12);
    }
    // May is calendar May: the weeks starting in May (May 3 – June 6) had 17.3% delayed at every 5th flight, May itself 16.2%.
    const may = reference['2001-05']!;
    expect(may.late / may.labelled).toBeLessThan(0.17);
  }, 120_000);
});

describe('formatStreamSummary', () => {
  it('lists a month with too few flights apart instead of printing rates of two flights', () => {
    const summary: StreamSummary = {
      windows: 1,
      firstWindow: '2001-06-21',
      lastWindow: '2001-06-21',
      metricRows: 10,
      groupMetricRows: 0,
      drift: [],
      calibration: [
        {
          period: '2001-06',
          rows: 100_444,
          labelled: 100_444,
          delayRate: 0.2128,
          meanScore: 0.206,
          ece: 0.014,
          brier: 0.161,
          auc: 0.641,
        },
      ],
      calibrationSkipped: [{ period: '2001-07', rows: 2 }],
      fairness: null,
      incidents: [],
    };
    const text = formatStreamSummary(summary);
    expect(text).toMatch(/2001-06 +100,444 +21\.3% +20\.6%/);
    expect(text).toContain(
      `2001-07                     2 flights, too few to analyse as a month (fewer than ${MIN_MONTH_ROWS})`,
    );
    expect(text).toContain('the flights departing in each calendar month');
  });
});
