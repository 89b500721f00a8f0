/**
 * `vigil queue list|show|claim|verdict` (docs/review.md, "vigil queue"): the human review queue from a shell, on the
 * database of the configuration. Claims and verdicts are written to the audit log under --as (default cli:$USER).
 */
import { isVigilError, shellWord, VigilError } from '@vigil/core';
import type { ReviewItem, ReviewItemStatus, ReviewVerdict } from '@vigil/store';
import { presentItem } from '../http/review-queue-routes';
import { describeItem, printable } from '../review/describe-item';
import { ReviewQueueService } from '../review/review-queue-service';
import { commandHelp, HELP_OPTION, parseCommandArgs, type CommandOption, type CommandOptions } from './command-args';
import { EXIT, type CommandIo } from './command-io';
import { cliActor, configArgument, requireReason } from './alerting-session';
import { databaseTarget, openStore } from './database';

type QueueSub = 'list' | 'show' | 'claim' | 'verdict';

const CONFIG = {
  type: 'string',
  short: 'c',
  value: 'FILE',
  help: 'the configuration, for its database and review policies; required',
} as const satisfies CommandOption;
const AS = {
  type: 'string',
  value: 'NAME',
  help: 'the reviewer, for the queue and the audit log (default cli:$USER)',
} as const satisfies CommandOption;
const JSON_OPTION = { type: 'boolean', help: 'print JSON instead of lines' } as const satisfies CommandOption;

const SYNOPSIS: Record<QueueSub, string> = {
  list: 'vigil queue list -c vigil.yaml [--model M] [--status pending|claimed|decided|expired|not_queued] [--reason audit|borderline|unusual|group] [--limit 50] [--json]',
  show: 'vigil queue show ID -c vigil.yaml [--json]',
  claim: 'vigil queue claim ID|--next [--model M] -c vigil.yaml [--as NAME] [--json]',
  verdict: 'vigil queue verdict ID --verdict agree|override [--label L] --reason TEXT -c vigil.yaml [--as NAME]',
};

const ABOUT = `The human review queue (docs/review.md): predictions flagged by the models' review policies. Claim an item,
then decide it: agree with the model or override it, with a reason and, when known, the true label (it joins the
prediction like a label event).
`;

const OPTIONS = {
  list: {
    config: CONFIG,
    model: { type: 'string', value: 'M', help: 'only items of model M' },
    status: { type: 'string', value: 'STATUS', help: 'only items in this status' },
    reason: { type: 'string', value: 'POLICY', help: 'only items flagged by this policy' },
    limit: { type: 'string', value: 'N', help: 'at most N items, most urgent first (1 to 1000; default 50)' },
    json: JSON_OPTION,
    help: HELP_OPTION,
  },
  show: { config: CONFIG, json: { type: 'boolean', help: 'print JSON instead of the description' }, help: HELP_OPTION },
  claim: {
    config: CONFIG,
    next: { type: 'boolean', help: 'claim the most urgent item instead of ID' },
    model: { type: 'string', value: 'M', help: 'with --next: of model M only' },
    as: AS,
    json: JSON_OPTION,
    help: HELP_OPTION,
  },
  verdict: {
    config: CONFIG,
    verdict: { type: 'string', value: 'VERDICT', help: 'agree or override; required' },
    label: { type: 'string', value: 'L', help: 'the true outcome (0 or 1 for a binary model)' },
    reason: { type: 'string', value: 'TEXT', help: 'why; required' },
    as: AS,
    json: JSON_OPTION,
    help: HELP_OPTION,
  },
} satisfies Record<QueueSub, CommandOptions>;

interface QueueValues {
  config?: string;
  model?: string;
  status?: string;
  reason?: string;
  limit?: string;
  json?: boolean;
  next?: boolean;
  verdict?: string;
  label?: string;
  as?: string;
  help?: boolean;
}

export function queueCommand(sub: QueueSub) {
  return async (argv: readonly string[], io: CommandIo): Promise<number> => {
    const what = `vigil queue ${sub}`;
    const options: CommandOptions = OPTIONS[sub];
    const { values: given, positionals } = parseCommandArgs(what, { args: [...argv], allowPositionals: true, options });
    const values = given as QueueValues;
    if (values.help) {
      io.stdout(commandHelp(`Usage: ${SYNOPSIS[sub]}\n\n${ABOUT}`, options, io.color));
      return EXIT.ok;
    }
    if (values.config === undefined)
      throw new VigilError('VIGIL_USAGE', `${what}: -c vigil.yaml is required (its models' review policies)`);
    // `--json` prints what the HTTP API answers for the same item (docs/review.md): `{ "item": … }`.
    const printJson = (item: ReviewItem) => io.stdout(`${JSON.stringify({ item: presentItem(item) }, null, 2)}\n`);
    const print = (item: ReviewItem) => (values.json ? printJson(item) : io.stdout(`${formatItem(item)}\n`));
    if (sub === 'list') {
      if (positionals.length > 0)
        throw new VigilError('VIGIL_USAGE', `${what}: unexpected argument "${positionals[0]}"`);
      const limit = values.limit === undefined ? 50 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new VigilError('VIGIL_USAGE', `${what}: --limit "${values.limit}" must be an integer from 1 to 1000`);
      return withQueue(io, values.config, async (queue) => {
        // One more than shown: whether the list was cut, said on stderr so the output itself stays the items.
        const found = await queue.list({
          ...(values.model ? { model: values.model } : {}),
          ...(values.status ? { status: values.status as ReviewItemStatus } : {}),
          ...(values.reason ? { reason: values.reason } : {}),
          limit: limit + 1,
        });
        const items = found.slice(0, limit);
        if (values.json) io.stdout(`${JSON.stringify(items.map(presentItem), null, 2)}\n`);
        else if (items.length === 0) io.stdout('No items.\n');
        else {
          // Ids grow in width (9, 10, …): padded to the widest shown, the columns after them line up.
          const idWidth = Math.max(...items.map((i) => i.id.length));
          for (const item of items) io.stdout(`${formatItem(item, idWidth)}\n`);
        }
        if (found.length > limit)
          io.info(
            `Showing the first ${limit} items, most urgent first; more match: ${limit < 1000 ? `--limit N shows up to 1000, or ` : ''}narrow with --model, --status or --reason.\n`,
          );
        return EXIT.ok;
      });
    }
    if (sub === 'claim' && values.next) {
      if (positionals.length > 0) throw new VigilError('VIGIL_USAGE', `${what}: --next or an item id, not both`);
      return withQueue(io, values.config, async (queue) => {
        const item = await queue.claimNext(cliActor(io, values.as), values.model ? [values.model] : undefined);
        if (!item) io.stdout('Nothing waits for review.\n');
        else print(item);
        return EXIT.ok;
      });
    }
    const id = positionals[0];
    if (id === undefined)
      throw new VigilError(
        'VIGIL_USAGE',
        `${what}: the item id is required (see vigil queue list${configArgument(values.config)})`,
      );
    if (positionals.length > 1) throw new VigilError('VIGIL_USAGE', `${what}: one item id, not ${positionals.length}`);
    if (sub === 'show') {
      return withQueue(io, values.config, async (queue) => {
        const item = await queue.show(id);
        if (values.json) printJson(item);
        else io.stdout(describeItem(item, queue.modelConfig(item.model)));
        return EXIT.ok;
      });
    }
    if (sub === 'claim')
      return withQueue(
        io,
        values.config,
        async (queue) => (print(await queue.claim(id, cliActor(io, values.as))), EXIT.ok),
      );
    if (values.verdict !== 'agree' && values.verdict !== 'override') {
      throw new VigilError(
        'VIGIL_USAGE',
        `${what}: --verdict ${values.verdict === undefined ? 'is required' : `"${values.verdict}" is not valid`} (agree or override)`,
      );
    }
    const verdict: ReviewVerdict = values.verdict;
    const reason = requireReason(what, values.reason);
    const label = values.label === undefined ? undefined : Number(values.label);
    if (label !== undefined && (values.label?.trim() === '' || !Number.isFinite(label)))
      throw new VigilError('VIGIL_USAGE', `${what}: --label "${values.label}" is not a number`);
    return withQueue(io, values.config, async (queue) => {
      const reviewer = cliActor(io, values.as);
      const { item, keptLabel } = await queue
        .decideTelling(id, reviewer, { verdict, reason, ...(label !== undefined ? { label } : {}) })
        .catch((error: unknown) => {
          // An item nobody holds (or whose claim of yours timed out) is claimed first: say with which command.
          const status = isVigilError(error, 'VIGIL_CONFLICT') ? error.details?.status : undefined;
          const mine = status === 'claimed' && (error as VigilError).message.endsWith('claim it again');
          if (status !== 'pending' && !mine) throw error;
          const claim = `vigil queue claim ${shellWord(id)}${configArgument(values.config)}${values.as === undefined ? '' : ` --as ${shellWord(values.as)}`}`;
          throw new VigilError(
            'VIGIL_CONFLICT',
            `${(error as VigilError).message}${mine ? '' : ': claim it first'} (${claim}), then give the verdict`,
            { details: { status } },
          );
        });
      if (values.json) printJson(item);
      else
        io.stdout(
          `Decided item ${item.id} (${item.model} prediction ${item.predictionId}) as ${item.decidedBy}: ${item.verdict}${item.label === null ? '' : `, label ${item.label}`}.\n${keptLabel === undefined ? '' : `The prediction already has label ${keptLabel}, which it keeps (its first label wins), so label ${item.label} is not its ground truth; the ${item.verdict} still counts in overrideRate${item.reasons.some((r) => r.policy === 'audit') ? ' and auditErrorRate' : ''}.\n`}`,
        );
      return EXIT.ok;
    });
  };
}

async function withQueue(
  io: CommandIo,
  configPath: string,
  fn: (queue: ReviewQueueService) => Promise<number>,
): Promise<number> {
  const { target, config } = await databaseTarget(io, configPath, 'optional');
  const store = await openStore(target);
  try {
    return await fn(new ReviewQueueService(store, config!));
  } finally {
    await store.close();
  }
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** One line: id, status, model and prediction, why, and who holds or decided it (control characters escaped). */
function formatItem(item: ReviewItem, idWidth = 0): string {
  const who =
    item.status === 'claimed'
      ? ` claimed by ${item.claimedBy} until ${iso(item.claimExpiresAt)}`
      : item.status === 'decided'
        ? ` ${item.verdict} by ${item.decidedBy}${item.label === null ? '' : ` (label ${item.label})`}: ${item.verdictReason}`
        : '';
  const score = item.score === null ? '' : ` score ${Number(item.score.toFixed(4))}`;
  return printable(
    `${item.id.padEnd(idWidth)}  ${item.status.padEnd(10)} ${item.model}/${item.version} ${item.predictionId} at ${iso(item.eventTs)}${score}  ${item.policies.join(', ')}${who}`,
  );
}
