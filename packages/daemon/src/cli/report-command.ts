import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  VigilError,
  didYouMean,
  loadConfig,
  shellWord,
  unknownColumnError,
  type FeatureKind,
  type ModelConfig,
  type Table,
} from '@vigil/core';
import {
  analyzeReport,
  ATTRIBUTION_PREFIX,
  fitReferenceProfile,
  groupColumns,
  requireColumn,
  rocAuc,
  SPEC_DEFAULTS,
  startReportWorkers,
  stopIdleReportWorkers,
  type AnalysisSpec,
  type Report,
  type ReportComputation,
} from '@vigil/analyzers';
import { parquetDecodedBytes, readTable, readTables, rowLocation, type ReadTableResult } from '@vigil/collector';
import { modelDeclaration, withDeclaredKind } from '../pipeline/declared-kind';
import { fewReferenceRows } from '../report/estimate-band';
import { renderReportHtml, type ReportContext } from '../report/render-html';
import { commandHelp, HELP_OPTION, parseCommandArgs, type CommandOptions } from './command-args';
import { EXIT, type CommandIo } from './command-io';
import { findModel } from './find-model';
import { reviewOutCsv, reviewSummary, sizeReview } from '../review/review-out';
import {
  gateLines,
  judgeByDefaults,
  judgeByRules,
  parseGates,
  type Gate,
  type GateResult,
  type ReferencePerformance,
} from './report-gates';
import { defaultMemoryBudget, IN_MEMORY_FACTOR, parseMemoryBudget, spillDirectory } from './report-memory';
import { FEATURE_LINES, foldedList, summarizeReport, thousands } from './summarize-report';
import { headerLocation } from './header-location';
import { writeFailureReason } from './output-path';
import { vigilVersion } from '../version';

export const REPORT_USAGE = `Usage: vigil report --reference FILE --current FILE [options]

Compares a current file of predictions with a reference file (CSV, NDJSON or Parquet). Either may be - (standard
input) or a pipe. A current file without labels is normal: drift, prediction drift and the fairness of selection
rates are computed, and the sections that need labels say so. Exit code 0; 3 when a gate of --fail-on failed;
2 for bad usage or bad input; 1 for a failure that may pass on retry (a full disk) or a bug. Details: docs/report.md.
`;

const OPTIONS = {
  reference: { type: 'string', value: 'FILE', help: 'the reference file (- for standard input)' },
  current: { type: 'string', value: 'FILE', help: 'the current file (- for standard input)' },
  features: {
    type: 'string',
    value: 'a:numeric,b:categorical',
    help: 'feature columns and kinds (default: every column without a role, kinds inferred)',
  },
  'score-column': {
    type: 'string',
    value: 'NAME',
    help: 'predicted probability / value (default: a column named "score")',
  },
  'prediction-column': {
    type: 'string',
    value: 'NAME',
    help: 'predicted class (default: "prediction", else score >= threshold)',
  },
  'label-column': {
    type: 'string',
    value: 'NAME',
    help: 'ground truth 0/1 or value (default: a column named "label")',
  },
  'group-columns': { type: 'string', value: 'a,b,a*b', help: 'attributes for fairness; a*b is an intersection' },
  protected: {
    type: 'string',
    value: 'a,b',
    help: "features that are protected attributes: their share of the importance\n(explanations; default: the model's explain.protected with --config)",
  },
  proxies: {
    type: 'string',
    value: 'a,b',
    help: 'features that stand in for a protected attribute (default: explain.proxies)',
  },
  task: { type: 'string', value: 'binary|regression', help: "the model's task (default: binary)" },
  threshold: { type: 'string', value: 'P', help: 'decision threshold of a binary model (default: 0.5)' },
  'min-group-size': { type: 'string', value: 'N', help: 'smaller groups are reported but not compared (default: 30)' },
  fdr: {
    type: 'string',
    value: 'Q',
    help: 'Benjamini-Hochberg false-discovery rate for p-value decisions (default: 0.05)',
  },
  json: {
    type: 'string',
    value: 'FILE',
    help: 'write the report as JSON (- for standard output; the summary then goes to stderr)',
  },
  html: { type: 'string', value: 'FILE', help: 'write the report as one HTML page (- for standard output)' },
  'fail-on': {
    type: 'string',
    value: 'GATES',
    help: 'exit 3 when a gate fails, one line per failure (CI):\ndrift,multivariate,score,calibration,performance,\nfairness or all',
  },
  'fail-on-drift': { type: 'boolean', help: 'the same as --fail-on drift' },
  config: {
    type: 'string',
    short: 'c',
    value: 'FILE',
    help: "with --model: take features, groups, task, threshold, min group size,\nfdr and the gates' rules from a model's configuration (flags win)",
  },
  model: { type: 'string', value: 'ID', help: 'the model of --config' },
  'review-out': {
    type: 'string',
    value: 'FILE',
    help: "with --config and --model: write the current rows the model's review policies\nwould flag, with the reasons and the hourly capacity applied (CSV)",
  },
  'domain-classifier': {
    type: 'boolean',
    help: 'train a classifier to tell current rows from reference rows and report its\ncross-validated ROC AUC (multivariate drift; 5 folds, seeded)',
  },
  'memory-budget': {
    type: 'string',
    value: 'SIZE',
    help: "memory the files may take, e.g. 2GB, 512MiB (default: a quarter of the machine's);\nlarger files are read in chunks, their numeric columns spilled to a temporary file",
  },
  'all-features': {
    type: 'boolean',
    help: `a summary line for every feature (default: every drifted feature, then up to\n${FEATURE_LINES} lines in all; the rest are counted in one line)`,
  },
  help: HELP_OPTION,
} satisfies CommandOptions;

/**
 * Columns never inferred as features: those that identify an event rather than describe it, and the conventional
 * names of the outputs and the ground truth, even when a flag gives that role to another column.
 */
const NOT_FEATURES = new Set(['model', 'version', 'id', 'ts', 'timestamp', 'score', 'prediction', 'label']);
/**
 * Columns that name or date a row rather than describe it: never features, so their kinds are not compared between
 * the files (numeric ids in one and `r0` in the other, epoch milliseconds against ISO dates, are both fine).
 */
const ROW_NAMES = new Set(['model', 'version', 'id', 'ts', 'timestamp']);

type Role = 'score' | 'prediction' | 'label';

export async function reportCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('vigil report', { args: [...argv], options: OPTIONS });
  if (values.help) {
    io.stdout(commandHelp(REPORT_USAGE, OPTIONS, io.color));
    return EXIT.ok;
  }
  const problems: string[] = [];
  const model = await configuredModel(values.config, values.model, io);
  if (!values.reference) problems.push('--reference FILE is required');
  if (!values.current) problems.push('--current FILE is required');
  if (values.reference === '-' && values.current === '-')
    problems.push('--reference and --current cannot both read standard input (-)');
  const task = (values.task ?? model?.task ?? 'binary') as AnalysisSpec['task'];
  if (task !== 'binary' && task !== 'regression') {
    const near = didYouMean(task, ['binary', 'regression']);
    problems.push(
      `--task must be binary or regression, not "${task}"${near === undefined ? '' : ` (did you mean "${near}"?)`}`,
    );
  }
  if (task === 'regression' && values.threshold !== undefined)
    problems.push('--threshold applies to binary models only; a regression model has no decision threshold');
  if (task === 'regression' && values['prediction-column'] !== undefined)
    problems.push("--prediction-column applies to binary models only; a regression model's prediction is its score");
  const threshold = numberOption(
    values.threshold,
    '--threshold',
    model?.threshold ?? SPEC_DEFAULTS.threshold,
    problems,
    (x) => x >= 0 && x <= 1,
    'a number from 0 to 1',
  );
  const minGroupSize = numberOption(
    values['min-group-size'],
    '--min-group-size',
    model?.minGroupSize ?? SPEC_DEFAULTS.minGroupSize,
    problems,
    (x) => Number.isInteger(x) && x >= 1,
    'a whole number of at least 1',
  );
  const memoryBudget =
    values['memory-budget'] === undefined ? defaultMemoryBudget() : parseMemoryBudget(values['memory-budget']);
  if (memoryBudget === undefined)
    problems.push(`--memory-budget "${values['memory-budget']}" is not a size of at least 1MiB (e.g. 2GB, 512MiB, 4G)`);
  const fdr = numberOption(
    values.fdr,
    '--fdr',
    model?.fdr ?? SPEC_DEFAULTS.fdr,
    problems,
    (x) => x > 0 && x < 1,
    'a number between 0 and 1, exclusive',
  );
  const listed = parseFeatures(values.features, problems) ?? (model ? Object.entries(model.features) : undefined);
  const groups =
    values['group-columns'] !== undefined ? splitList(values['group-columns']) : [...(model?.groups ?? [])];
  for (const name of repeated(groups)) problems.push(`--group-columns lists "${name}" twice`);
  const protectedFeatures =
    values.protected !== undefined ? splitList(values.protected) : [...(model?.explain?.protected ?? [])];
  const proxies = values.proxies !== undefined ? splitList(values.proxies) : [...(model?.explain?.proxies ?? [])];
  for (const name of repeated(protectedFeatures)) problems.push(`--protected lists "${name}" twice`);
  for (const name of repeated(proxies)) problems.push(`--proxies lists "${name}" twice`);
  for (const name of protectedFeatures.filter((n) => proxies.includes(n)))
    problems.push(`"${name}" cannot be both --protected and --proxies`);
  let gates: Gate[] = [];
  try {
    gates = [
      ...new Set([
        ...(values['fail-on-drift'] ? (['drift'] as Gate[]) : []),
        ...(values['fail-on'] !== undefined ? parseGates(values['fail-on']) : []),
      ]),
    ];
  } catch (error) {
    problems.push((error as Error).message.replace(/^vigil report: /, ''));
  }

  // Roles: a column named by a flag has that role and no other; the conventional names keep theirs.
  const roles = {
    score: values['score-column'],
    prediction: values['prediction-column'],
    label: values['label-column'],
  };
  const roleFlags = { score: '--score-column', prediction: '--prediction-column', label: '--label-column' } as const;
  const roleOf = new Map<string, string[]>();
  for (const [role, column] of Object.entries(roles))
    if (column !== undefined) roleOf.set(column, [...(roleOf.get(column) ?? []), roleFlags[role as Role]]);
  for (const [column, flags] of roleOf)
    if (flags.length > 1) problems.push(`column "${column}" cannot be ${flags.join(' and ')} at once`);
  // `--score-column label` alone: the column named "label" is the labels by its name, and now the score as well.
  for (const [role, column] of Object.entries(roles)) {
    if (column === undefined || column === role || !(column in roleFlags) || roles[column as Role] !== undefined)
      continue;
    problems.push(
      `column "${column}" cannot be ${roleFlags[role as Role]} and the ${column} (by its name) at once; if the ${column}s are in another column, name it with ${roleFlags[column as Role]}`,
    );
  }
  for (const column of new Set(groups.flatMap(groupColumns)))
    if (roleOf.has(column))
      problems.push(`column "${column}" cannot be ${roleOf.get(column)?.join(' and ')} and a group at once`);
  for (const [name] of listed ?? [])
    if (roleOf.has(name))
      problems.push(`column "${name}" cannot be ${roleOf.get(name)?.join(' and ')} and a feature at once`);

  if (values['review-out'] !== undefined && !model?.review)
    problems.push('--review-out needs --config and --model naming a model with a review section');
  if (values['review-out'] === '-') problems.push('--review-out needs a file, not standard output');
  const outputs = [
    { flag: '--json', path: values.json },
    { flag: '--html', path: values.html },
    { flag: '--review-out', path: values['review-out'] },
  ].filter((o): o is { flag: string; path: string } => o.path !== undefined);
  if (outputs.filter((o) => o.path === '-').length > 1)
    problems.push('--json and --html cannot both write to standard output (-)');
  for (const [i, a] of outputs.entries()) {
    for (const b of outputs.slice(i + 1))
      if (a.path !== '-' && resolve(io.cwd, a.path) === resolve(io.cwd, b.path))
        problems.push(`${a.flag} and ${b.flag} name the same file`);
  }
  for (const o of outputs) {
    for (const input of [values.reference, values.current]) {
      if (
        input !== undefined &&
        o.path !== '-' &&
        input !== '-' &&
        (await samePath(resolve(io.cwd, o.path), resolve(io.cwd, input)))
      ) {
        // Once per output, even when --reference and --current are the same file.
        problems.push(`${o.flag} ${o.path} is an input file; refusing to overwrite it`);
        break;
      }
    }
  }
  // One line; main adds the hint to `vigil report --help` (the whole help here buried the problem under 40 lines).
  if (problems.length > 0) throw new VigilError('VIGIL_USAGE', `vigil report: ${problems.join('; ')}`);

  const types: Record<string, FeatureKind> = Object.fromEntries(listed ?? []);
  for (const g of groups) for (const column of groupColumns(g)) types[column] = 'categorical';
  // --review-out names rows by id: read as text, `007` stays `007` (only then, as a text column of unique ids costs
  // memory that a report which never looks at them should not spend).
  if (values['review-out'] !== undefined && types.id === undefined) types.id = 'categorical';
  const input = async (flag: string): Promise<{ path: string; name: string; bytes?: Buffer }> =>
    flag === '-'
      ? { path: '-', name: '-', bytes: (await io.stdin?.()) ?? Buffer.alloc(0) }
      : { path: resolve(io.cwd, flag), name: flag };
  const refInput = await input(values.reference as string);
  const curInput = await input(values.current as string);

  // Beyond the memory budget, the files are read in chunks and their numeric columns other than the outcomes and
  // groups spilled to a temporary file, then analysed a column pair at a time (docs/report.md, "Large files").
  const sizes = [await inputSize(refInput), await inputSize(curInput)];
  const estimatedInMemory = IN_MEMORY_FACTOR * (sizes[0]! + sizes[1]!);
  // A Parquet file's size says little of its values (encoded and compressed): its footer says how many there are, so
  // a pair whose float64 values exceed the budget is read beyond it too, decided before either file is read.
  const decoded = await Promise.all(
    [refInput, curInput].map((i) => (i.bytes ? undefined : parquetDecodedBytes(i.path))),
  );
  const decodedTotal = (decoded[0] ?? 0) + (decoded[1] ?? 0);
  // --review-out judges the rows' own feature values, so its files are read whole (no spilled columns).
  const spillDir =
    values['review-out'] === undefined &&
    (estimatedInMemory > (memoryBudget as number) || decodedTotal > (memoryBudget as number))
      ? await spillDirectory()
      : undefined;
  try {
    const keep = [
      roles.score ?? 'score',
      roles.prediction ?? 'prediction',
      roles.label ?? 'label',
      ...groups.flatMap(groupColumns),
    ];
    // A Parquet file's number columns stay in it and are decoded by the column jobs, once (decision 0035).
    const spill = (name: string): { spill?: { path: string; keep: string[]; leaveParquet: true } } =>
      spillDir ? { spill: { path: join(spillDir.path, name), keep, leaveParquet: true } } : {};
    // While a worker finishes the current file, the analysis's workers start (their modules load) on the core that
    // this thread would otherwise leave idle.
    // A text value in a column the user declared numeric: say where it was declared, and the likely fix.
    const declared = (column: string): string | undefined =>
      values.features !== undefined
        ? listed?.some(([name, kind]) => name === column && kind === 'numeric')
          ? 'by --features'
          : undefined
        : model && modelDeclaration(model, column);
    const [ref, first] = (await readTables(
      [refInput, curInput].map((i, k) => ({
        path: i.path,
        options: { types, name: i.name, ...spill(k === 0 ? 'reference' : 'current') },
        ...(i.bytes ? { bytes: i.bytes } : {}),
      })),
      undefined,
      (read) => startReportWorkers(read.table),
    ).catch((error: unknown) => {
      throw withDeclaredKind(error, declared);
    })) as [ReadTableResult, ReadTableResult];
    // Both files are read at once. Where a column's inferred kind differs, the current file is read again with the
    // reference's kinds, so a text value in a numeric column is reported with its file, line and column instead of
    // silently turning the column categorical. (Standard input cannot be read twice: its own kinds stand.)
    const refKinds = Object.fromEntries(
      [...ref.table.columns.values()].filter((c) => !ROW_NAMES.has(c.name)).map((c) => [c.name, c.kind]),
    );
    const differs = [...first.table.columns.values()].some(
      (c) => refKinds[c.name] !== undefined && refKinds[c.name] !== c.kind,
    );
    const cur =
      differs && curInput.name !== '-'
        ? await readTable(curInput.path, {
            types: { ...refKinds, ...types },
            name: curInput.name,
            ...spill('current-again'),
          }).catch((error: unknown) => {
            throw withDeclaredKind(error, declared);
          })
        : first;

    const resolved = resolveRoles(
      roles,
      ref.table,
      cur.table,
      roleFlags,
      new Set([...(listed ?? []).map(([n]) => n), ...groups.flatMap(groupColumns)]),
    );
    const reserved = new Set([...Object.values(resolved.names), ...groups.flatMap(groupColumns)]);
    const features =
      listed ??
      [...ref.table.columns.values()]
        .filter((c) => !reserved.has(c.name) && !NOT_FEATURES.has(c.name) && !c.name.startsWith(ATTRIBUTION_PREFIX))
        .map((c) => [c.name, c.kind] as [string, FeatureKind]);
    const inferred = new Set(listed ? [] : features.map(([name]) => name));
    for (const [flag, names] of [
      ['--protected', protectedFeatures],
      ['--proxies', proxies],
    ] as const) {
      const unknown = names.filter((n) => !features.some(([f]) => f === n));
      if (unknown.length > 0) {
        // A group column is kept out of the inferred features; a user naming it here wants it explained too.
        const grouped = unknown.filter((n) => groups.some((g) => groupColumns(g).includes(n)));
        const fix =
          grouped.length === 0
            ? ''
            : `; ${grouped.map((n) => `"${n}"`).join(', ')} ${grouped.length === 1 ? 'is a group column' : 'are group columns'}, not analysed as a feature unless listed: pass --features with ${grouped.length === 1 ? 'it' : 'them'} and the other features, e.g. --features ${[...features.map(([f, k]) => `${f}:${k}`), ...grouped.map((n) => `${n}:categorical`)].join(',')}`;
        throw new VigilError(
          'VIGIL_UNKNOWN_COLUMN',
          `${flag} names ${unknown
            .map((n) => {
              const near = didYouMean(
                n,
                features.map(([f]) => f),
              );
              return `"${n}"${near === undefined ? '' : ` (did you mean "${near}"?)`}`;
            })
            .join(', ')}, not a feature (features: ${features.map(([f]) => f).join(', ')})${fix}`,
        );
      }
    }

    const { score, prediction, label } = resolved.used;
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
    // The reference first: its kinds are the ones the current file was read again with, so a text value in the
    // reference's score makes the current's (numeric) scores text too, and only the reference holds the culprit.
    // The reference's labels are checked even when the current file has none: they calibrate the estimated performance.
    const refLabel = resolved.inReference.label ? resolved.names.label : undefined;
    const refSpec = { ...spec, ...(resolved.inReference.score ? {} : { score: undefined }), label: refLabel };
    await checkOutcomeColumns(
      ref.table,
      { ...refSpec, prediction: resolved.inReference.prediction ? spec.prediction : undefined },
      refInput,
    );
    await checkOutcomeColumns(cur.table, spec, curInput);
    // Named columns a file lacks, before the analysis would find them (after the values of the columns it has): the
    // group columns and the features in the current file (fairness is of the current rows), the listed features in the
    // reference, with the header's line, where the names are.
    const needs: Array<[ReadTableResult, { path: string; name: string }, string[]]> = [
      [ref, refInput, listed ? features.map(([n]) => n) : []],
      [cur, curInput, [...groups.flatMap(groupColumns), ...features.map(([n]) => n)]],
    ];
    for (const [read, input, names] of needs) {
      const missing = [...new Set(names.filter((n) => !read.table.columns.has(n)))];
      if (missing.length === 0) continue;
      // A file written with ';' (or '|') separators reads as one column whose name holds them all.
      const separator = needs
        .map(([r, i]) => {
          const only = r.table.columns.size === 1 ? [...r.table.columns.keys()][0]! : '';
          const delimiter = [';', '|'].find((d) => only.includes(d));
          return delimiter && `${i.name}'s header is one column holding "${delimiter}"`;
        })
        .find((h) => h);
      // A feature nobody named, only inferred from the reference's columns: say where it came from and how to leave
      // it out, else a current file that lost a column leaves its user guessing why it is wanted.
      const unnamed = read === cur && !separator ? missing.filter((n) => inferred.has(n)) : [];
      const kept = features.filter(([n]) => !unnamed.includes(n));
      const hints = [
        separator && `${separator}: CSV is read with commas and TSV with tabs, so write the file with one of those`,
        unnamed.length > 0 &&
          `${unnamed.length === 1 ? 'it is a feature' : 'they are features'} because ${refInput.name} has ${unnamed.length === 1 ? 'it' : 'them'}${
            kept.length > 0
              ? `: to compare the others, pass --features ${kept.map(([f, k]) => `${f}:${k}`).join(',')}`
              : ''
          }`,
      ].filter((h): h is string => typeof h === 'string' && h !== '');
      throw unknownColumnError(await headerLocation(input.path, input.name), missing, [...read.table.columns.keys()], {
        details: { file: input.name },
        ...(hints.length > 0 ? { hint: hints.join('; ') } : {}),
      });
    }

    for (const note of [...(ref.notes ?? []), ...(cur.notes ?? [])]) io.info(`${note}\n`);
    if (inferred.size > 0) {
      io.info(inferredLine(refInput.name, features, values['all-features'] === true));
      const note = groupColumnsNote(ref.table, groups, features, resolved);
      if (note !== undefined) io.info(note);
    }
    const roleList = Object.entries(resolved.names).map(
      ([role, column]) =>
        `${role}=${column}${resolved.used[role as Role] === undefined ? ' (not in the current file)' : ''}`,
    );
    if (roleList.length > 0) io.info(`Columns: ${roleList.join(', ')}\n`);

    const spilledColumns = new Set([...Object.keys(ref.spilled ?? {}), ...Object.keys(cur.spilled ?? {})]);
    const computation: ReportComputation = {
      memoryBudget: memoryBudget as number,
      estimatedInMemory,
      reading: spilledColumns.size > 0 ? 'spilled' : 'in-memory',
      spilledColumns: spec.features.filter((f) => f.kind === 'numeric' && spilledColumns.has(f.name)).length,
      statistics: 'exact',
      binnedColumns: 0,
    };
    const report = await analyzeReport({
      reference: ref.table,
      current: cur.table,
      spec,
      inferred,
      ...(label === undefined && refLabel !== undefined ? { referenceLabel: refLabel } : {}),
      // A report that fits is the report it always was: `computation` appears only when the budget changed the path.
      ...(computation.reading === 'spilled' ? { computation } : {}),
      memoryBudget: memoryBudget as number,
      ...(values['domain-classifier'] ? { domainClassifier: true } : {}),
      explain: {
        protected: protectedFeatures,
        proxies,
        ...(model?.explain?.k !== undefined ? { k: model.explain.k } : {}),
      },
      spilled: { ...(ref.spilled ? { reference: ref.spilled } : {}), ...(cur.spilled ? { current: cur.spilled } : {}) },
    });
    // What the files lack, then what the analysis found it could not do (labels with no score, one class only), once
    // per section; said after the analysis, which tells whether performance was estimated without current labels.
    const estimated = report.performance !== undefined && 'estimatedAccuracy' in report.performance;
    const notes = sectionNotes(spec, resolved, refInput.name, curInput.name, estimated);
    for (const note of notes) io.info(`Not computed: ${note}\n`);
    const said = notes.join(' ');
    const words: Record<keyof Report['sections'], string> = {
      prediction: 'prediction drift',
      calibration: 'calibration',
      performance: 'performance',
      curves: 'curves',
      fairness: 'fairness',
      explanations: 'explanations',
    };
    for (const [section, status] of Object.entries(report.sections) as [
      keyof Report['sections'],
      Report['sections'][keyof Report['sections']],
    ][]) {
      if (
        status.computed ||
        said.includes(words[section]) ||
        (section === 'curves' && (said.includes('performance') || !report.sections.performance.computed))
      )
        continue;
      if (spec.task === 'regression' && status.reason === 'binary task only') continue;
      io.info(`Not computed: ${words[section]}: ${status.reason}\n`);
    }
    // Multivariate drift is its own section of the report (not in `sections`), said the same way.
    if (report.multivariate && !report.multivariate.computed)
      io.info(`Not computed: multivariate drift: ${report.multivariate.reason}\n`);
    const results =
      gates.length === 0
        ? []
        : model
          ? await judgeByModelRules(report, gates, model)
          : judgeByDefaults(report, gates, referencePerformance(ref.table, refSpec));

    // The console summary first, then the files: an output that cannot be written is reported after the numbers.
    const toStdout = outputs.some((o) => o.path === '-');
    const say = toStdout ? io.stderr : io.stdout;
    const color = toStdout ? io.stderrColor : io.color;
    say(summarizeReport(report, color, { allFeatures: values['all-features'] === true }));
    // An estimate calibrated on a handful of labelled reference rows: its band does not show how far off it may be.
    const few =
      report.performance && 'estimatedAccuracy' in report.performance
        ? fewReferenceRows(report.performance)
        : undefined;
    if (few !== undefined) io.stderr(`${io.stderrColor.yellow('warning:')} estimated performance: ${few}\n`);
    const sizing =
      values['review-out'] !== undefined && model?.review
        ? sizeReview(
            { ...model, review: model.review },
            cur.table,
            {
              ...(score !== undefined ? { score } : {}),
              ...(prediction !== undefined ? { prediction } : {}),
              threshold,
            },
            fitReferenceProfile(ref.table, refSpec),
          )
        : undefined;
    if (sizing && model?.review) say(reviewSummary(sizing, model.review.capacityPerHour));
    if (results.length > 0)
      say(`${gateLines(results, formatValue, color, score ?? resolved.names.score).join('\n')}\n`);
    const context: ReportContext = {
      inputs: { reference: refInput.name, current: curInput.name },
      version: vigilVersion(),
      commandLine: ['vigil', 'report', ...argv].map(shellWord).join(' '),
    };
    let failed = false;
    for (const o of outputs) {
      // The gates' verdicts travel with the JSON, so a pipeline can read why it failed.
      const text =
        o.flag === '--json'
          ? `${JSON.stringify(results.length > 0 ? { ...report, gates: results } : report, null, 2)}\n`
          : o.flag === '--review-out'
            ? reviewOutCsv(sizing!)
            : renderReportHtml(report, context);
      if (o.path === '-') {
        io.stdout(text);
        continue;
      }
      const problem = await writeOutput(resolve(io.cwd, o.path), text);
      if (problem !== undefined) {
        io.stderr(
          `${io.stderrColor.red(io.stderrColor.bold('error'))} [VIGIL_OUTPUT_UNWRITABLE]: ${o.path}: cannot be written (${problem}); the summary above is complete\n`,
        );
        failed = true;
      } else {
        // What was written, as given: stdout holds the summary, so this goes with the other notes to stderr (-q: none).
        io.info(`Wrote ${o.path}\n`);
      }
    }
    if (failed) return EXIT.refused;
    return results.some((r) => r.status === 'failed') ? EXIT.drift : EXIT.ok;
  } finally {
    stopIdleReportWorkers();
    await spillDir?.remove();
  }
}

/** Bytes of an input file; 0 for standard input and pipes, which are read whole whatever the budget. */
async function inputSize(input: { path: string; bytes?: Buffer }): Promise<number> {
  if (input.bytes) return 0;
  try {
    const stats = await stat(input.path);
    return stats.isFile() ? stats.size : 0;
  } catch {
    // The reader reports a missing file with its own words.
    return 0;
  }
}

interface ResolvedRoles {
  /** Every role's column, given or by its conventional name, whichever file has it: never a feature. */
  names: Partial<Record<Role, string>>;
  /** The roles the analysis uses: their column is in the current file. */
  used: Partial<Record<Role, string>>;
  inReference: Record<Role, boolean>;
}

/**
 * The score, prediction and label columns. A role's column is the flag's, else its conventional name when either
 * file has it (unless listed as a feature or group). The current file decides what is analysed (no labels yet is the normal production case); a column
 * named by a flag that neither file has is an error.
 */
function resolveRoles(
  roles: Partial<Record<Role, string>>,
  ref: Table,
  cur: Table,
  flags: Record<Role, string>,
  taken: ReadonlySet<string>,
): ResolvedRoles {
  const out: ResolvedRoles = { names: {}, used: {}, inReference: { score: false, prediction: false, label: false } };
  for (const role of ['score', 'prediction', 'label'] as const) {
    const flag = roles[role];
    const column = flag ?? (!taken.has(role) && (ref.columns.has(role) || cur.columns.has(role)) ? role : undefined);
    if (column === undefined) continue;
    if (flag !== undefined && !ref.columns.has(flag) && !cur.columns.has(flag)) {
      const list = (t: Table): string => [...t.columns.keys()].map((c) => JSON.stringify(c)).join(', ');
      // A near miss among either file's columns, as an unknown feature gets (`--label-column lable`).
      const near = didYouMean(flag, [...new Set([...ref.columns.keys(), ...cur.columns.keys()])]);
      throw new VigilError(
        'VIGIL_UNKNOWN_COLUMN',
        `${flags[role]} "${flag}"${near === undefined ? '' : ` (did you mean ${JSON.stringify(near)}?)`}: neither ${ref.source} (columns ${list(ref)}) nor ${cur.source} (columns ${list(cur)}) has it`,
      );
    }
    out.names[role] = column;
    out.inReference[role] = ref.columns.has(column);
    if (cur.columns.has(column)) out.used[role] = column;
  }
  return out;
}

/** One line per section the files cannot give, and why (printed, so a section never vanishes without a word). */
function sectionNotes(
  spec: AnalysisSpec,
  roles: ResolvedRoles,
  refName: string,
  curName: string,
  estimated: boolean,
): string[] {
  const notes: string[] = [];
  const missing = (role: Role): string =>
    roles.names[role] !== undefined ? `column "${roles.names[role]}"` : `no ${role} column; --${role}-column names one`;
  const predicted = spec.prediction !== undefined || (spec.task === 'binary' && spec.score !== undefined);
  if (spec.score === undefined)
    notes.push(
      `prediction drift, calibration and performance need a score in the current file ${curName} (${missing('score')})`,
    );
  else if (!roles.inReference.score)
    notes.push(`prediction drift needs a score in the reference file ${refName} too (${missing('score')})`);
  if (spec.score !== undefined && spec.label === undefined) {
    // A binary model's performance is estimated from the reference's labels instead (CBPE): "performance (measured)",
    // so the line does not read as contradicting the summary's "Estimated performance"; without the estimate, what
    // it lacked in the reference.
    const instead =
      spec.task !== 'binary'
        ? ''
        : estimated
          ? "; performance is estimated instead (Estimated performance, from the reference's labels)"
          : !roles.inReference.label
            ? `; estimated performance needs labels in the reference file ${refName}${roles.names.label !== undefined ? ` (column "${roles.names.label}")` : ''}`
            : !roles.inReference.score
              ? `; estimated performance needs a score in the reference file ${refName} (${missing('score')})`
              : '';
    notes.push(
      `${spec.task === 'binary' ? `calibration, performance${estimated ? ' (measured)' : ''} and the fairness rates tpr, fpr, fnr, ppv` : 'performance'} need labels in the current file ${curName} (${missing('label')})${instead}`,
    );
  }
  if (spec.groups.length > 0 && spec.task === 'binary' && !predicted)
    notes.push(`fairness needs a score or prediction column in the current file ${curName}`);
  return notes;
}

/** The reference's own AUC and accuracy (binary) or MAE and RMSE (regression): what the performance gate compares with. */
function referencePerformance(table: Table, spec: AnalysisSpec): ReferencePerformance | undefined {
  if (spec.score === undefined || spec.label === undefined) return undefined;
  const scores = asNumbers(table, spec.score);
  const labels = asNumbers(table, spec.label);
  if (spec.task === 'regression') {
    let n = 0;
    let abs = 0;
    let sq = 0;
    for (let i = 0; i < scores.length; i++) {
      const e = (scores[i] as number) - (labels[i] as number);
      if (e === e) {
        n++;
        abs += Math.abs(e);
        sq += e * e;
      }
    }
    return n === 0 ? undefined : { mae: abs / n, rmse: Math.sqrt(sq / n) };
  }
  const predicted = spec.prediction !== undefined ? asNumbers(table, spec.prediction) : undefined;
  let n = 0;
  let correct = 0;
  for (let i = 0; i < scores.length; i++) {
    const y = labels[i] as number;
    const yhat = predicted ? (predicted[i] as number) : (scores[i] as number) >= spec.threshold ? 1 : 0;
    if (y === y && yhat === yhat && (scores[i] as number) === (scores[i] as number)) {
      n++;
      if (y === yhat) correct++;
    }
  }
  return n === 0 ? undefined : { auc: rocAuc(scores, labels), accuracy: correct / n };
}

function asNumbers(table: Table, name: string): Float64Array {
  const column = requireColumn(table, name);
  return column.kind === 'numeric' ? column.values : new Float64Array(table.rowCount).fill(Number.NaN);
}

/** The model's rules applied to the report's metric rows, as `vigil run` applies them to a window (loaded only here). */
async function judgeByModelRules(report: Report, gates: readonly Gate[], model: ModelConfig): Promise<GateResult[]> {
  const [{ matchRules }, { windowMetricRows }] = await Promise.all([
    import('@vigil/alerts'),
    import('../pipeline/window-metrics'),
  ]);
  // Estimated performance (no labels) is no window metric: the rules judge realized figures, and its rows are unlabelled.
  const { performance, ...rest } = report;
  const measured = performance && !('estimatedAccuracy' in performance) ? performance : undefined;
  const realized = measured ? { ...rest, performance: measured } : rest;
  const labelled = report.calibration?.rows ?? measured?.rows ?? 0;
  const m = report.multivariate;
  const rows = windowMetricRows(
    { model: model.id, version: '', start: 0, end: 0 },
    { rows: report.rows.current, outcome: { labelled } },
    realized,
    m?.computed
      ? {
          value: m.reconstructionError,
          samplingError: m.samplingError,
          rows: m.rows,
          band: m.referenceReconstructionError,
          drifted: m.drifted,
        }
      : undefined,
  );
  return judgeByRules(gates, matchRules(model, rows), model.id);
}

/**
 * Writes through a temporary file renamed into place, so a failed write never leaves half a report behind. Missing
 * parent directories are created (`--json out/report.json` in a fresh directory), as the demo's output directory is.
 */
async function writeOutput(path: string, text: string): Promise<string | undefined> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (error) {
    return writeFailureReason(error, true);
  }
  try {
    await writeFile(temporary, text, { flag: 'wx' });
    await rename(temporary, path);
    return undefined;
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    return writeFailureReason(error);
  }
}

/**
 * The line saying which features were inferred: all of them when they are few (or with --all-features), else the
 * first few and a count, as a line of 1,000 names (17 KB) is read by nobody and buries the lines after it.
 */
function inferredLine(source: string, features: [string, FeatureKind][], all = false): string {
  const named = features.map(([n, k]) => `${n}:${k}`);
  if (all || features.length <= FEATURE_LINES)
    return `Features inferred from ${source}: ${named.join(',')}\n  (pass --features to set them)\n`;
  const kinds = (['numeric', 'categorical'] as const)
    .map((kind) => [kind, features.filter(([, k]) => k === kind).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${thousands(n)} ${kind}`)
    .join(', ');
  return `Features inferred from ${source}: ${thousands(features.length)} (${kinds}): ${foldedList(named, true, ',')}\n  (pass --features to set them, --all-features to list them all)\n`;
}

/**
 * With inferred features, the reference's group columns that would otherwise have been features: a column with a role
 * is not one, so its drift and its weight in the explanations go unmeasured; said once, with the --features that
 * keeps it (the daemon keeps a group column that its model's `features:` lists).
 */
function groupColumnsNote(
  ref: Table,
  groups: readonly string[],
  features: readonly [string, FeatureKind][],
  roles: ResolvedRoles,
): string | undefined {
  const grouped = new Set(groups.flatMap(groupColumns));
  const roleColumns = new Set(Object.values(roles.names));
  const left = [...ref.columns.keys()].filter(
    (c) => grouped.has(c) && !roleColumns.has(c) && !NOT_FEATURES.has(c) && !c.startsWith(ATTRIBUTION_PREFIX),
  );
  if (left.length === 0) return undefined;
  const kinds = new Map(features);
  // Group columns are read as text, so they are categorical features; the rest keep their inferred kinds, in the
  // reference's column order.
  const keep = [...ref.columns.keys()]
    .filter((c) => kinds.has(c) || left.includes(c))
    .map((c) => `${c}:${kinds.get(c) ?? 'categorical'}`);
  const withGroups =
    keep.length <= FEATURE_LINES
      ? keep.join(',')
      : `with the inferred features and ${left.map((c) => `${c}:categorical`).join(',')}`;
  const names = left.length === 1 ? left[0]! : `${left.slice(0, -1).join(', ')} and ${left[left.length - 1]!}`;
  const one = left.length === 1;
  return `note: ${names} ${one ? 'is a group column, so it is not a feature: its' : 'are group columns, so they are not features: their'} drift and ${one ? 'its' : 'their'} weight in the explanations are not measured (to include ${one ? 'it' : 'them'}: --features ${withGroups})\n`;
}

/** Two paths name the same file: equal once resolved, or the same inode when both exist (links, `./x` and `x`). */
async function samePath(a: string, b: string): Promise<boolean> {
  if (a === b) return true;
  try {
    const [x, y] = await Promise.all([stat(a), stat(b)]);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

function repeated(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const n of names) (seen.has(n) ? twice : seen).add(n);
  return [...twice];
}

function formatValue(x: number): string {
  return !Number.isFinite(x) ? String(x) : Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(2) : String(+x.toFixed(4));
}

/** The model named by `--model` in the configuration file of `--config`, whose settings are the defaults. */
async function configuredModel(
  configPath: string | undefined,
  id: string | undefined,
  io: CommandIo,
): Promise<ModelConfig | undefined> {
  if (configPath === undefined && id === undefined) return undefined;
  if (configPath === undefined || id === undefined)
    throw new VigilError('VIGIL_USAGE', 'vigil report: --config and --model go together');
  return findModel(await loadConfig(resolve(io.cwd, configPath), io.env, configPath), id, configPath, 'vigil report');
}

function numberOption(
  raw: string | undefined,
  name: string,
  fallback: number,
  problems: string[],
  valid: (x: number) => boolean,
  range: string,
): number {
  if (raw === undefined) return fallback;
  const x = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(x)) problems.push(`${name} "${raw}" is not a number; give ${range}`);
  else if (!valid(x)) problems.push(`${name} "${raw}" is out of range (${range})`);
  return x;
}

function splitList(raw: string | undefined): string[] {
  return raw === undefined
    ? []
    : raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
}

function parseFeatures(raw: string | undefined, problems: string[]): [string, FeatureKind][] | undefined {
  if (raw === undefined) return undefined;
  const items = splitList(raw);
  for (const name of repeated(
    items.map((item) => item.slice(0, item.lastIndexOf(':') < 0 ? item.length : item.lastIndexOf(':'))),
  )) {
    problems.push(`--features lists "${name}" twice`);
  }
  return items.map((item) => {
    const at = item.lastIndexOf(':');
    const name = at < 0 ? item : item.slice(0, at);
    const kind = at < 0 ? '' : item.slice(at + 1);
    if (kind !== 'numeric' && kind !== 'categorical')
      problems.push(`--features: "${item}" must be name:numeric or name:categorical`);
    return [name, kind as FeatureKind];
  });
}

/** Labels of a binary model are 0/1 and its scores probabilities; anything else is refused with its file and line. */
async function checkOutcomeColumns(
  table: Table,
  spec: AnalysisSpec,
  input: { path: string; name: string },
): Promise<void> {
  const check = async (name: string | undefined, ok: (v: number) => boolean, what: string): Promise<void> => {
    if (name === undefined || !table.columns.has(name)) return;
    const column = requireColumn(table, name);
    if (column.kind !== 'numeric') {
      // The first value that is not a number is the one that made the column text; a column read as text because the
      // other file's is (every value a number) shows its first value.
      const text = (row: number): string => column.categories[column.codes[row] ?? -1] ?? '';
      const present = column.codes.findIndex((c) => c >= 0);
      const notNumber = column.codes.findIndex((c) => c >= 0 && Number.isNaN(Number(column.categories[c])));
      const row = Math.max(notNumber >= 0 ? notNumber : present, 0);
      const where = await rowLocation(input.path, row, input.name);
      throw new VigilError(
        'VIGIL_BAD_VALUE',
        `${where}: column "${name}": ${JSON.stringify(text(row))} is not ${what}`,
      );
    }
    for (let i = 0; i < column.values.length; i++) {
      const v = column.values[i] as number;
      if (v === v && !ok(v))
        throw new VigilError(
          'VIGIL_BAD_VALUE',
          `${await rowLocation(input.path, i, input.name)}: column "${name}": ${v} is not ${what}`,
        );
    }
  };
  if (spec.task === 'binary') {
    await check(spec.score, (v) => v >= 0 && v <= 1, 'a probability in [0, 1]');
    await check(spec.label, (v) => v === 0 || v === 1, 'a 0/1 label');
    await check(spec.prediction, (v) => v === 0 || v === 1, 'a 0/1 prediction');
  } else {
    await check(spec.score, Number.isFinite, 'a finite number');
    await check(spec.label, Number.isFinite, 'a finite number');
  }
}
