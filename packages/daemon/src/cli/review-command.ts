import { VigilError } from '@vigil/core';
import { commandHelp, HELP_OPTION, parseCommandArgs, type CommandOptions } from './command-args';
import { EXIT, type CommandIo } from './command-io';
import { cliActor, requireReason, withAlerting } from './alerting-session';

const USAGE = `Usage: vigil review open -c vigil.yaml --model M --reason TEXT [--version V] [--from TIME] [--to TIME] [--as NAME] [--json]

Opens a review of a model: freezes the evidence of the period (default: the last 7 days) — metric rows, windows,
reference profile ids, incidents and their audit trail — into the database, and notifies the first escalation
step's targets (sent by the running daemon).
`;

const OPTIONS = {
  config: { type: 'string', short: 'c', value: 'FILE', help: 'the configuration, for its database and models; required' },
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
  if (positionals.length > 0) throw new VigilError('VIGIL_USAGE', `${what}: unexpected argument "${positionals[0]}" (the model goes in --model)`);
  if (values.model === undefined) throw new VigilError('VIGIL_USAGE', `${what}: --model is required`);
  const reason = requireReason(what, values.reason);
  const time = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const t = Date.parse(v);
    if (!Number.isFinite(t)) throw new VigilError('VIGIL_USAGE', `${what}: --${name} "${v}" is not an ISO-8601 time`);
    return t;
  };
  const from = time('from', values.from);
  const to = time('to', values.to);
  return withAlerting(io, values.config, what, true, async (alerting) => {
    const review = await alerting.openReview({
      model: values.model as string,
      ...(values.version ? { version: values.version } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      actor: cliActor(io, values.as),
      reason,
    });
    const e = review.evidence;
    if (values.json) io.stdout(`${JSON.stringify({ id: review.id, model: review.model, openedBy: review.openedBy, openedAt: new Date(review.openedAt).toISOString(), evidence: { metricRows: e.metricRows.length, windows: e.windows.length, incidents: e.incidents.length, referenceProfiles: e.referenceProfiles.map((p) => p.id) } }, null, 2)}\n`);
    else
      io.stdout(
        `Opened review ${review.id} of ${review.model}: froze ${e.metricRows.length} metric rows over ${e.windows.length} windows, ${e.incidents.length} incidents, ${e.referenceProfiles.length} reference profiles (${new Date(e.from).toISOString()} to ${new Date(e.to).toISOString()}).\n`,
      );
    return EXIT.ok;
  });
}
