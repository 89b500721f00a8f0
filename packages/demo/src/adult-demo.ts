/**
 * `vigil demo --adult`, the fairness story on the UCI Adult census data (the report path, not the stream): a logistic-regression model is trained on half of it, a reference
 * period is scored, and a current period is scored whose population over-represents people aged 45 and over (a
 * covariate shift, the way a model's traffic changes when a product reaches a new audience). The report then
 * shows the drift, the calibration and the differences between groups of `sex` and `race`.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { VigilError, seededRandom, selectRows, withColumns, type CategoricalColumn, type Table } from '@vigil/core';
import {
  analyzeReport,
  initCompute,
  scoreLogisticModel,
  trainLogisticModel,
  type AnalysisSpec,
} from '@vigil/analyzers';
import { readTable } from '@vigil/collector';
import type { DemoHost, DemoIo } from './demo-host';

const FEATURES = [
  { name: 'age', kind: 'numeric' },
  { name: 'workclass', kind: 'categorical' },
  { name: 'education-num', kind: 'numeric' },
  { name: 'marital-status', kind: 'categorical' },
  { name: 'occupation', kind: 'categorical' },
  { name: 'relationship', kind: 'categorical' },
  { name: 'race', kind: 'categorical' },
  { name: 'sex', kind: 'categorical' },
  { name: 'capital-gain', kind: 'numeric' },
  { name: 'capital-loss', kind: 'numeric' },
  { name: 'hours-per-week', kind: 'numeric' },
  { name: 'native-country', kind: 'categorical' },
] as const;

export async function runAdultDemo(
  io: DemoIo,
  host: DemoHost,
  dataFile: string | undefined,
  out: string,
): Promise<void> {
  const dataPath = resolve(io.cwd, dataFile ?? io.env.VIGIL_ADULT_DATA ?? findAdult());
  const outDir = resolve(io.cwd, out);
  const started = Date.now();

  const { table } = await readTable(dataPath, { types: { sex: 'categorical', race: 'categorical' } });
  const labels = salaryLabels(table);
  const data = withColumns(table, [{ name: 'label', kind: 'numeric', values: labels }]);
  io.stderr(`Read ${table.rowCount} rows of UCI Adult from ${dataPath}\n`);

  const random = seededRandom(20261122);
  const train: number[] = [];
  const reference: number[] = [];
  const current: number[] = [];
  const age = data.columns.get('age');
  for (let i = 0; i < data.rowCount; i++) {
    const u = random();
    if (u < 0.5) train.push(i);
    else if (u < 0.75) reference.push(i);
    else if (age?.kind === 'numeric' && ((age.values[i] as number) >= 45 || random() < 0.35)) current.push(i);
  }

  const { backend } = await initCompute();
  const trainTable = selectRows(data, train);
  const model = await trainLogisticModel(
    trainTable,
    FEATURES,
    (trainTable.columns.get('label') as { values: Float64Array }).values,
    { epochs: 250 },
  );
  io.stderr(`Trained a logistic regression on ${train.length} rows (tfjs ${backend} backend)\n`);

  const scored = (rows: number[], source: string): Table => {
    const t = selectRows(data, rows, source);
    return withColumns(t, [{ name: 'score', kind: 'numeric', values: scoreLogisticModel(model, t) }]);
  };
  const ref = scored(reference, 'reference period');
  const cur = scored(current, 'current period');
  const spec: AnalysisSpec = {
    task: 'binary',
    features: FEATURES,
    score: 'score',
    label: 'label',
    groups: ['sex', 'race', 'sex*race'],
    threshold: 0.5,
    minGroupSize: 30,
    fdr: 0.05,
  };
  const report = await analyzeReport({ reference: ref, current: cur, spec });

  await mkdir(outDir, { recursive: true });
  const files = {
    json: join(outDir, 'demo-report.json'),
    html: join(outDir, 'demo-report.html'),
    reference: join(outDir, 'demo-reference.csv'),
    current: join(outDir, 'demo-current.csv'),
  };
  await writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(
    files.html,
    host.renderReportHtml(report, {
      inputs: { reference: files.reference, current: files.current },
      version: host.version,
      commandLine: 'vigil demo --adult',
    }),
  );
  await host.writeCsv(files.reference, ref);
  await host.writeCsv(files.current, cur);

  io.stdout(host.summarizeReport(report));
  io.stdout(
    [
      '',
      `Done in ${((Date.now() - started) / 1000).toFixed(1)} s. Open the report:`,
      `  HTML  ${files.html}`,
      `  JSON  ${files.json}`,
      `Re-run the analysis yourself on the scored periods:`,
      `  vigil report --reference ${files.reference} --current ${files.current} --features ${FEATURES.map((f) => `${f.name}:${f.kind}`).join(',')} --group-columns 'sex,race,sex*race' --html my-report.html`,
      '',
    ].join('\n'),
  );
}

/** The copy committed with the demo (packages/demo/data/adult, with its source and licence); the same path from src/ and dist/. */
const ADULT_DATA = join(__dirname, '..', 'data', 'adult', 'adult.data');

function findAdult(): string {
  if (!existsSync(ADULT_DATA))
    throw new VigilError(
      'VIGIL_FILE_NOT_FOUND',
      `UCI Adult data not found at ${ADULT_DATA}; pass --data or set VIGIL_ADULT_DATA`,
    );
  return ADULT_DATA;
}

/** Salary `>50K` → 1, `<=50K` → 0 (the file writes some labels with a trailing dot). */
function salaryLabels(table: Table): Float64Array {
  const column = table.columns.get('Salary') as CategoricalColumn | undefined;
  if (!column || column.kind !== 'categorical')
    throw new VigilError('VIGIL_UNKNOWN_COLUMN', `${table.source}: no categorical column "Salary"`);
  const positive = column.categories.map((c) => c.startsWith('>50K'));
  return Float64Array.from(column.codes, (c) => (c < 0 ? Number.NaN : positive[c] ? 1 : 0));
}
