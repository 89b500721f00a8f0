import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { VigilError, loadConfig, type FeatureKind, type ModelConfig, type Table } from '@vigil/core';
import { analyzeReport, groupColumns, requireColumn, SPEC_DEFAULTS, type AnalysisSpec } from '@vigil/analyzers';
import { readTable, readTables, type ReadTableResult } from '@vigil/collector';
import { renderReportHtml } from '../report/render-html';
import { parseCommandArgs } from './command-args';
import { EXIT, type CommandIo } from './command-io';
import { findModel } from './find-model';
import { summarizeReport } from './summarize-report';

export const REPORT_USAGE = `Usage: vigil report --reference FILE --current FILE [options]

Compares a current file of predictions with a reference file (CSV, NDJSON or Parquet).

  --features a:numeric,b:categorical   feature columns and kinds (default: every other column, kinds inferred)
  --score-column NAME                  predicted probability / value (default: a column named "score")
  --prediction-column NAME             predicted class (default: "prediction", else score >= threshold)
  --label-column NAME                  ground truth 0/1 or value (default: a column named "label")
  --group-columns a,b,a*b              attributes for fairness; a*b is an intersection
  --task binary|regression             (default: binary)
  --threshold 0.5                      decision threshold of a binary model
  --min-group-size 30                  smaller groups are reported but not compared
  --fdr 0.05                           Benjamini-Hochberg false-discovery rate for p-value decisions
  --json FILE  --html FILE             outputs
  --fail-on-drift                      exit with code 3 when a feature drifted (for CI gates)
  -c, --config vigil.yaml --model ID   take features, groups, task, threshold, min group size and fdr from a
                                       model's configuration (flags given as well win)
`;

/** Columns that identify an event rather than describe it: never inferred as features. */
const NOT_FEATURES = new Set(['model', 'version', 'id', 'ts', 'timestamp']);

export async function reportCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('vigil report', {
    args: [...argv],
    options: {
      reference: { type: 'string' },
      current: { type: 'string' },
      features: { type: 'string' },
      'score-column': { type: 'string' },
      'prediction-column': { type: 'string' },
      'label-column': { type: 'string' },
      'group-columns': { type: 'string' },
      task: { type: 'string' },
      threshold: { type: 'string' },
      'min-group-size': { type: 'string' },
      fdr: { type: 'string' },
      json: { type: 'string' },
      html: { type: 'string' },
      'fail-on-drift': { type: 'boolean' },
      config: { type: 'string', short: 'c' },
      model: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(REPORT_USAGE);
    return EXIT.ok;
  }
  const model = await configuredModel(values.config, values.model, io);
  const problems: string[] = [];
  if (!values.reference) problems.push('--reference FILE is required');
  if (!values.current) problems.push('--current FILE is required');
  const task = (values.task ?? model?.task ?? 'binary') as AnalysisSpec['task'];
  if (task !== 'binary' && task !== 'regression') problems.push(`--task must be binary or regression, not "${task}"`);
  const threshold = numberOption(values.threshold, '--threshold', model?.threshold ?? SPEC_DEFAULTS.threshold, problems, (x) => x >= 0 && x <= 1);
  const minGroupSize = numberOption(values['min-group-size'], '--min-group-size', model?.minGroupSize ?? SPEC_DEFAULTS.minGroupSize, problems, (x) => Number.isInteger(x) && x >= 1);
  const fdr = numberOption(values.fdr, '--fdr', model?.fdr ?? SPEC_DEFAULTS.fdr, problems, (x) => x > 0 && x < 1);
  const given = parseFeatures(values.features, problems) ?? (model ? Object.entries(model.features) : undefined);
  if (problems.length > 0) throw new VigilError('VIGIL_USAGE', `vigil report: ${problems.join('; ')}\n\n${REPORT_USAGE}`);

  const groups = values['group-columns'] !== undefined ? splitList(values['group-columns']) : [...(model?.groups ?? [])];
  const types: Record<string, FeatureKind> = Object.fromEntries(given ?? []);
  for (const g of groups) for (const column of groupColumns(g)) types[column] = 'categorical';
  const referencePath = resolve(io.cwd, values.reference as string);
  const currentPath = resolve(io.cwd, values.current as string);

  const [ref, first] = (await readTables([
    { path: referencePath, options: { types } },
    { path: currentPath, options: { types } },
  ])) as [ReadTableResult, ReadTableResult];
  // Both files are read at once. Where a column's inferred kind differs, the current file is read again with the
  // reference's kinds, so a text value in a numeric column is reported with its file, line and column instead of
  // silently turning the column categorical.
  const refKinds = Object.fromEntries([...ref.table.columns.values()].map((c) => [c.name, c.kind]));
  const differs = [...first.table.columns.values()].some((c) => refKinds[c.name] !== undefined && refKinds[c.name] !== c.kind);
  const cur = differs ? await readTable(currentPath, { types: { ...refKinds, ...types } }) : first;

  const pick = (flag: string | undefined, fallback: string): string | undefined =>
    flag ?? (ref.table.columns.has(fallback) && cur.table.columns.has(fallback) ? fallback : undefined);
  const score = pick(values['score-column'], 'score');
  const prediction = pick(values['prediction-column'], 'prediction');
  const label = pick(values['label-column'], 'label');
  const reserved = new Set([score, prediction, label, ...groups.flatMap(groupColumns)].filter((x): x is string => x !== undefined));
  const features =
    given ?? [...ref.table.columns.values()].filter((c) => !reserved.has(c.name) && !NOT_FEATURES.has(c.name)).map((c) => [c.name, c.kind] as [string, FeatureKind]);
  const inferred = new Set(given ? [] : features.map(([name]) => name));

  const spec: AnalysisSpec = {
    task,
    features: features.map(([name, kind]) => ({ name, kind })),
    ...(score !== undefined ? { score } : {}),
    ...(prediction !== undefined ? { prediction } : {}),
    ...(label !== undefined ? { label } : {}),
    groups,
    threshold,
    minGroupSize,
    fdr,
  };
  for (const table of [ref.table, cur.table]) checkOutcomeColumns(table, spec);

  if (inferred.size > 0) {
    io.stderr(`Features inferred from ${values.reference}: ${features.map(([n, k]) => `${n}:${k}`).join(',')}\n  (pass --features to set them)\n`);
  }
  const roles = [score && `score=${score}`, prediction && `prediction=${prediction}`, label && `label=${label}`].filter(Boolean);
  if (roles.length > 0) io.stderr(`Columns: ${roles.join(', ')}\n`);

  const report = await analyzeReport({ reference: ref.table, current: cur.table, spec, inferred });
  if (values.json) await writeFile(resolve(io.cwd, values.json), `${JSON.stringify(report, null, 2)}\n`);
  if (values.html) await writeFile(resolve(io.cwd, values.html), renderReportHtml(report));
  io.stdout(summarizeReport(report));
  return values['fail-on-drift'] && report.summary.drifted.length > 0 ? EXIT.drift : EXIT.ok;
}

/** The model named by `--model` in the configuration file of `--config`, whose settings are the defaults. */
async function configuredModel(configPath: string | undefined, id: string | undefined, io: CommandIo): Promise<ModelConfig | undefined> {
  if (configPath === undefined && id === undefined) return undefined;
  if (configPath === undefined || id === undefined) throw new VigilError('VIGIL_USAGE', 'vigil report: --config and --model go together');
  return findModel(await loadConfig(resolve(io.cwd, configPath), io.env), id, configPath, 'vigil report');
}

function numberOption(raw: string | undefined, name: string, fallback: number, problems: string[], valid: (x: number) => boolean): number {
  if (raw === undefined) return fallback;
  const x = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(x) || !valid(x)) problems.push(`${name} "${raw}" is out of range`);
  return x;
}

function splitList(raw: string | undefined): string[] {
  return raw === undefined ? [] : raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

function parseFeatures(raw: string | undefined, problems: string[]): [string, FeatureKind][] | undefined {
  if (raw === undefined) return undefined;
  return splitList(raw).map((item) => {
    const at = item.lastIndexOf(':');
    const name = at < 0 ? item : item.slice(0, at);
    const kind = at < 0 ? '' : item.slice(at + 1);
    if (kind !== 'numeric' && kind !== 'categorical') problems.push(`--features: "${item}" must be name:numeric or name:categorical`);
    return [name, kind as FeatureKind];
  });
}

/** Labels of a binary model are 0/1 and its scores probabilities; anything else is refused with an example row. */
function checkOutcomeColumns(table: Table, spec: AnalysisSpec): void {
  const check = (name: string | undefined, ok: (v: number) => boolean, what: string): void => {
    if (name === undefined) return;
    const column = requireColumn(table, name);
    if (column.kind !== 'numeric') throw new VigilError('VIGIL_BAD_VALUE', `${table.source}: column "${name}" must be ${what}, but holds text such as "${column.categories[0] ?? ''}"`);
    for (let i = 0; i < column.values.length; i++) {
      const v = column.values[i] as number;
      if (v === v && !ok(v)) throw new VigilError('VIGIL_BAD_VALUE', `${table.source}: data row ${i + 1}: column "${name}": ${v} is not ${what}`);
    }
  };
  if (spec.task === 'binary') {
    check(spec.score, (v) => v >= 0 && v <= 1, 'a probability in [0, 1]');
    check(spec.label, (v) => v === 0 || v === 1, 'a 0/1 label');
    check(spec.prediction, (v) => v === 0 || v === 1, 'a 0/1 prediction');
  } else {
    check(spec.score, Number.isFinite, 'a finite number');
    check(spec.label, Number.isFinite, 'a finite number');
  }
}
