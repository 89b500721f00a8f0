import { parseArgs } from 'node:util';
import { VigilError } from '@vigil/core';
import { EXIT, type CommandIo } from './command-io';
import { cliActor, requireReason, withAlerting } from './alerting-session';

const USAGE = `Usage: vigil review open -c vigil.yaml --model M --reason TEXT [--version V] [--from TIME] [--to TIME] [--as NAME] [--json]

Opens a review of a model: freezes the evidence of the period (default: the last 7 days) — metric rows, windows,
reference profile ids, incidents and their audit trail — into the database, and notifies the first escalation
step's targets (sent by the running daemon).
`;

export async function reviewOpenCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      model: { type: 'string' },
      version: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      reason: { type: 'string' },
      as: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  const what = 'vigil review open';
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
