import { didYouMean, VigilError } from '@vigil/core';
import { REVIEW_OUTCOMES, type Review, type ReviewOutcome } from '@vigil/store';
import {
  commandHelp,
  type CommandOption,
  type CommandOptions,
  HELP_OPTION,
  instantOption,
  parseCommandArgs,
} from './command-args';
import { EXIT, type CommandIo } from './command-io';
import { cliActor, configArgument, requireReason, withAlerting, warnUnknownModelFilter } from './alerting-session';

const USAGE = `Usage: vigil review open -c vigil.yaml --model M --reason TEXT [--version V] [--from TIME] [--to TIME] [--as NAME] [--json]

Opens a review of a model: freezes the evidence of the period (default: the last 7 days) — metric rows, windows,
reference profile ids, incidents and their audit trail — into the database, and notifies the model's reviewers
(the first escalation step's targets when it has none; sent by the running daemon).
`;

const OPTIONS = {
  config: {
    type: 'string',
    short: 'c',
    value: 'FILE',
    help: 'the configuration, for its database and models; required',
  },
  model: { type: 'string', value: 'M', help: 'the model under review; required' },
  version: { type: 'string', value: 'V', help: 'only its version V' },
  from: { type: 'string', value: 'TIME', help: 'start of the period, ISO-8601 (default: 7 days before --to)' },
  to: { type: 'string', value: 'TIME', help: 'end of the period, ISO-8601 (default: now)' },
  reason: { type: 'string', value: 'TEXT', help: 'why, for the audit log and the notification; required' },
  as: { type: 'string', value: 'NAME', help: 'who, for the audit log (default cli:$USER)' },
  json: { type: 'boolean', help: 'print JSON instead of a sentence' },
  help: HELP_OPTION,
} satisfies CommandOptions;

export async function reviewOpenCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const what = 'vigil review open';
  const { values, positionals } = parseCommandArgs(what, { args: [...argv], allowPositionals: true, options: OPTIONS });
  if (values.help) {
    io.stdout(commandHelp(USAGE, OPTIONS, io.color));
    return EXIT.ok;
  }
  if (positionals.length > 0)
    throw new VigilError('VIGIL_USAGE', `${what}: unexpected argument "${positionals[0]}" (the model goes in --model)`);
  if (values.model === undefined) throw new VigilError('VIGIL_USAGE', `${what}: --model is required`);
  const reason = requireReason(what, values.reason);
  const from = instantOption(what, '--from', values.from);
  const to = instantOption(what, '--to', values.to);
  return withAlerting(io, values.config, what, true, async (alerting, _config, store) => {
    const review = await alerting.openReview({
      model: values.model as string,
      ...(values.version ? { version: values.version } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      actor: cliActor(io, values.as),
      reason,
    });
    const e = review.evidence;
    if (values.json)
      io.stdout(
        `${JSON.stringify({ id: review.id, model: review.model, openedBy: review.openedBy, openedAt: new Date(review.openedAt).toISOString(), evidence: { metricRows: e.metricRows.length, windows: e.windows.length, incidents: e.incidents.length, referenceProfiles: e.referenceProfiles.map((p) => p.id) } }, null, 2)}\n`,
      );
    else
      io.stdout(
        `Opened review ${review.id} of ${review.model}: froze ${count(e.metricRows.length, 'metric row')} over ${count(e.windows.length, 'window')}, ${count(e.incidents.length, 'incident')}, ${count(e.referenceProfiles.length, 'reference profile')} (${iso(e.from)} to ${iso(e.to)}).\n`,
      );
    if (e.metricRows.length === 0) {
      // A review of a period without metrics (data older than the last 7 days, a demo's 2001) is opened all the
      // same, but say so while --from/--to can still open the right one.
      const latest = await store.metrics.latestWindow(review.model, values.version);
      const period =
        from === undefined && to === undefined
          ? 'the default period, the last 7 days'
          : from === undefined
            ? 'the 7 days before --to'
            : 'the period given';
      io.stderr(
        `warning: no metric rows of ${review.model}${values.version ? ` version ${values.version}` : ''} in ${period} (${iso(e.from)} to ${iso(e.to)}), so the review froze no metrics; ${latest ? `its latest window is ${iso(latest.windowStart)} to ${iso(latest.windowEnd)}: ` : ''}choose the period with --from TIME and --to TIME\n`,
      );
    }
    return EXIT.ok;
  });
}

/** `1 incident`, `2 incidents`. */
const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

const CONFIG = {
  type: 'string',
  short: 'c',
  value: 'FILE',
  help: 'the configuration, for its database',
} as const satisfies CommandOption;
const AS = {
  type: 'string',
  value: 'NAME',
  help: 'who, for the audit log (default cli:$USER)',
} as const satisfies CommandOption;
const JSON_OPTION = { type: 'boolean', help: 'print JSON instead of lines' } as const satisfies CommandOption;

type ReviewSub = 'list' | 'show' | 'note' | 'close';

const REVIEW_SYNOPSIS: Record<ReviewSub, string> = {
  list: 'vigil review list [-c vigil.yaml] [--model M] [--status open|closed] [--limit 50] [--json]',
  show: 'vigil review show ID [-c vigil.yaml] [--json]',
  note: 'vigil review note ID --text TEXT [-c vigil.yaml] [--as NAME]',
  close: `vigil review close ID --outcome no_action|retrain|rollback|retire|other --reason TEXT [-c vigil.yaml] [--as NAME]`,
};

const REVIEW_ABOUT = `Reviews of models (docs/alerts.md, "Reviews"): list them, show one with its evidence and findings, add a finding
while it is open, close it with an outcome. Changes are recorded in the audit log under --as (default cli:$USER).
A closed review never changes again.
`;

const REVIEW_OPTIONS = {
  list: {
    config: CONFIG,
    model: { type: 'string', value: 'M', help: 'only reviews of model M' },
    status: { type: 'string', value: 'STATUS', help: 'only open or only closed reviews' },
    limit: { type: 'string', value: 'N', help: 'at most N reviews, newest first (1 to 1000; default 50)' },
    json: JSON_OPTION,
    help: HELP_OPTION,
  },
  show: {
    config: CONFIG,
    json: { type: 'boolean', help: 'print the whole review (with its frozen evidence) as JSON' },
    help: HELP_OPTION,
  },
  note: {
    config: CONFIG,
    text: { type: 'string', value: 'TEXT', help: 'the finding; required' },
    as: AS,
    help: HELP_OPTION,
  },
  close: {
    config: CONFIG,
    outcome: {
      type: 'string',
      value: 'OUTCOME',
      help: `what the review decided: ${REVIEW_OUTCOMES.join(', ')}; required`,
    },
    reason: { type: 'string', value: 'TEXT', help: 'why, for the audit log; required' },
    as: AS,
    help: HELP_OPTION,
  },
} satisfies Record<ReviewSub, CommandOptions>;

interface ReviewValues {
  config?: string;
  model?: string;
  status?: string;
  limit?: string;
  json?: boolean;
  text?: string;
  outcome?: string;
  reason?: string;
  as?: string;
  help?: boolean;
}

/** `vigil review list|show|note|close`: main.ts looks up the two words and hands over the rest. */
export function reviewCommand(sub: ReviewSub) {
  return async (argv: readonly string[], io: CommandIo): Promise<number> => {
    const what = `vigil review ${sub}`;
    const options: CommandOptions = REVIEW_OPTIONS[sub];
    const { values: given, positionals } = parseCommandArgs(what, { args: [...argv], allowPositionals: true, options });
    const values = given as ReviewValues;
    if (values.help) {
      io.stdout(commandHelp(`Usage: ${REVIEW_SYNOPSIS[sub]}\n\n${REVIEW_ABOUT}`, options, io.color));
      return EXIT.ok;
    }
    if (sub === 'list') {
      if (positionals.length > 0)
        throw new VigilError('VIGIL_USAGE', `${what}: unexpected argument "${positionals[0]}"`);
      const limit = values.limit === undefined ? 50 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new VigilError('VIGIL_USAGE', `${what}: --limit "${values.limit}" must be an integer from 1 to 1000`);
      if (values.status !== undefined && values.status !== 'open' && values.status !== 'closed')
        throw new VigilError('VIGIL_USAGE', `${what}: --status "${values.status}" is not open or closed`);
      const status = values.status as 'open' | 'closed' | undefined;
      return withAlerting(io, values.config, what, false, async (alerting, config, store) => {
        await warnUnknownModelFilter(io, what, values.model, config, store);
        // One more than shown: whether the list was cut, said on stderr so the output itself stays the reviews.
        const found = await alerting.listReviews({
          ...(values.model ? { model: values.model } : {}),
          ...(status ? { status } : {}),
          limit: limit + 1,
        });
        const reviews = found.slice(0, limit);
        if (values.json)
          io.stdout(
            `${JSON.stringify(
              reviews.map((r) => ({
                ...isoTimes(r),
                evidence: { ...r.evidence, from: iso(r.evidence.from), to: iso(r.evidence.to) },
              })),
              null,
              2,
            )}\n`,
          );
        else if (reviews.length === 0) io.stdout('No reviews.\n');
        else
          for (const r of reviews)
            io.stdout(`${formatReview(r)}  ${r.findings} finding${r.findings === 1 ? '' : 's'}\n`);
        if (found.length > limit)
          io.info(
            `Showing the newest ${limit} review${limit === 1 ? '' : 's'}; more match: ${limit < 1000 ? '--limit N shows up to 1000, or ' : ''}narrow with --model or --status.\n`,
          );
        return EXIT.ok;
      });
    }
    const id = positionals[0];
    if (id === undefined)
      throw new VigilError(
        'VIGIL_USAGE',
        `${what}: the review id is required (see vigil review list${configArgument(values.config)})`,
      );
    if (positionals.length > 1)
      throw new VigilError('VIGIL_USAGE', `${what}: one review id, not ${positionals.length}`);
    if (sub === 'show') {
      return withAlerting(io, values.config, what, false, async (alerting) => {
        const review = await alerting.getReview(id);
        if (values.json) {
          io.stdout(
            `${JSON.stringify({ ...isoTimes(review), findings: review.findings.map((f) => ({ ...f, at: iso(f.at) })) }, null, 2)}\n`,
          );
          return EXIT.ok;
        }
        const e = review.evidence;
        io.stdout(`${formatReview(review)}\n  reason: ${review.reason}\n`);
        io.stdout(
          `  evidence ${iso(e.from)} to ${iso(e.to)}: ${count(e.metricRows.length, 'metric row')}, ${count(e.windows.length, 'window')}, ${count(e.incidents.length, 'incident')}, reference profiles ${e.referenceProfiles.map((p) => p.id).join(', ') || 'none'}\n`,
        );
        if (review.findings.length === 0) io.stdout('  no findings\n');
        for (const f of review.findings) io.stdout(`  finding ${f.id} by ${f.author} at ${iso(f.at)}: ${f.text}\n`);
        if (review.status === 'closed')
          io.stdout(
            `  closed by ${review.closedBy} at ${iso(review.closedAt ?? null)}: ${review.outcome} (${review.closeReason})\n`,
          );
        return EXIT.ok;
      });
    }
    if (sub === 'note') {
      if (values.text === undefined || values.text.trim() === '')
        throw new VigilError('VIGIL_USAGE', `${what}: --text is required (the finding)`);
      const text = values.text;
      return withAlerting(io, values.config, what, false, async (alerting) => {
        const finding = await alerting.addFinding(id, { actor: cliActor(io, values.as), text });
        io.stdout(`Added finding ${finding.id} to review ${id} as ${finding.author}.\n`);
        return EXIT.ok;
      });
    }
    const outcome = values.outcome;
    if (outcome === undefined || !(REVIEW_OUTCOMES as readonly string[]).includes(outcome)) {
      throw new VigilError(
        'VIGIL_USAGE',
        `${what}: --outcome ${outcome === undefined ? 'is required' : `"${outcome}" is not valid${outcomeGuess(outcome)}`} (one of ${REVIEW_OUTCOMES.join(', ')})`,
      );
    }
    const reason = requireReason(what, values.reason);
    return withAlerting(io, values.config, what, false, async (alerting) => {
      const review = await alerting.closeReview(id, {
        actor: cliActor(io, values.as),
        outcome: outcome as ReviewOutcome,
        reason,
      });
      io.stdout(`Closed review ${review.id} of ${review.model} as ${review.closedBy}: ${review.outcome}.\n`);
      return EXIT.ok;
    });
  };
}

const iso = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

function isoTimes<T extends Omit<Review, 'evidence'>>(r: T): T & { openedAt: string | null; closedAt: string | null } {
  return { ...r, version: r.version || null, openedAt: iso(r.openedAt), closedAt: iso(r.closedAt) } as unknown as T & {
    openedAt: string | null;
    closedAt: string | null;
  };
}

function formatReview(r: Omit<Review, 'evidence'>): string {
  const closed = r.status === 'closed' ? ` ${r.outcome} by ${r.closedBy} ${iso(r.closedAt)}` : '';
  return `${r.id}  ${r.status.padEnd(6)} ${r.model}${r.version ? `/${r.version}` : ''}  opened ${iso(r.openedAt)} by ${r.openedBy}${closed}`;
}

/** `; did you mean "no_action"?` for a near miss (`noaction`, `no-action`), else nothing. */
function outcomeGuess(given: string): string {
  const near = didYouMean(given.replace(/-/g, '_'), REVIEW_OUTCOMES);
  return near === undefined ? '' : `; did you mean "${near}"?`;
}
