import type { AuditEntry } from '@vigil/store';
import { VigilError } from '@vigil/core';
import { commandHelp, type CommandOptions, HELP_OPTION, instantOption, parseCommandArgs } from './command-args';
import { EXIT, type CommandIo } from './command-io';
import { withAlerting, warnUnknownModelFilter } from './alerting-session';
import { csvCell } from '../write-csv';

const USAGE = `Usage: vigil audit [-c vigil.yaml] [--model M] [--from TIME] [--to TIME] [--limit N] [--json | --csv]

Prints the audit log (docs/alerts.md, "The audit trail"): who did what, when and why, oldest first. Times are
ISO-8601 (UTC); --from is inclusive, --to exclusive. The database comes from the configuration,
VIGIL_DATABASE_URL, or ./.vigil/pglite.
`;

const OPTIONS = {
  config: { type: 'string', short: 'c', value: 'FILE', help: 'the configuration, for its database' },
  model: { type: 'string', value: 'M', help: 'only entries about model M' },
  from: { type: 'string', value: 'TIME', help: 'entries at or after this ISO-8601 time' },
  to: { type: 'string', value: 'TIME', help: 'entries before this ISO-8601 time' },
  limit: { type: 'string', value: 'N', help: 'at most N entries (default: all)' },
  json: { type: 'boolean', help: 'print a JSON array' },
  csv: { type: 'boolean', help: 'print CSV (RFC 4180): id,at,actor,action,model,incident_id,reason,details' },
  help: HELP_OPTION,
} satisfies CommandOptions;

/** Entries are read in pages by id, so a log of millions never sits in memory at once. */
const PAGE = 1000;

export async function auditCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const what = 'vigil audit';
  const { values, positionals } = parseCommandArgs(what, { args: [...argv], allowPositionals: true, options: OPTIONS });
  if (values.help) {
    io.stdout(commandHelp(USAGE, OPTIONS, io.color));
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new VigilError('VIGIL_USAGE', `${what}: unexpected argument "${positionals[0]}"`);
  if (values.json && values.csv) throw new VigilError('VIGIL_USAGE', `${what}: give --json or --csv, not both`);
  const from = instantOption(what, '--from', values.from);
  const to = instantOption(what, '--to', values.to);
  if (from !== undefined && to !== undefined && from > to)
    throw new VigilError('VIGIL_USAGE', `${what}: --from ${values.from} is after --to ${values.to}`);
  const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : Number(values.limit);
  if (values.limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw new VigilError('VIGIL_USAGE', `${what}: --limit "${values.limit}" must be a positive integer`);
  return withAlerting(io, values.config, what, false, async (alerting, config, store) => {
    await warnUnknownModelFilter(io, what, values.model, config, store);
    let written = 0;
    let afterId: string | undefined;
    if (values.csv) io.stdout('id,at,actor,action,model,incident_id,reason,details\n');
    if (values.json) io.stdout('[');
    while (written < limit) {
      const page = await alerting.auditLog({
        ...(values.model ? { model: values.model } : {}),
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        ...(afterId ? { afterId } : {}),
        limit: Math.min(PAGE, limit - written),
      });
      const lines = page.map((e, i) =>
        values.json
          ? `${written + i === 0 ? '\n' : ',\n'}${JSON.stringify(present(e))}`
          : values.csv
            ? csvLine(e)
            : textLine(e),
      );
      if (lines.length > 0) io.stdout(values.json ? lines.join('') : `${lines.join('\n')}\n`);
      written += page.length;
      afterId = page[page.length - 1]?.id;
      if (page.length < PAGE) break;
    }
    if (values.json) io.stdout(written === 0 ? ']\n' : '\n]\n');
    else if (!values.csv && written === 0) io.stdout('No audit entries.\n');
    return EXIT.ok;
  });
}

function present(e: AuditEntry) {
  return {
    id: e.id,
    at: new Date(e.at).toISOString(),
    actor: e.actor,
    action: e.action,
    model: e.model,
    incidentId: e.incidentId,
    reason: e.reason,
    details: e.details ?? null,
  };
}

function csvLine(e: AuditEntry): string {
  const p = present(e);
  return [
    p.id,
    p.at,
    p.actor,
    p.action,
    p.model ?? '',
    p.incidentId ?? '',
    p.reason ?? '',
    p.details === null ? '' : JSON.stringify(p.details),
  ]
    .map(csvCell)
    .join(',');
}

function textLine(e: AuditEntry): string {
  const about = [e.model, e.incidentId].filter((x) => x !== null && x !== '').join(' ');
  return `${e.id}  ${new Date(e.at).toISOString()}  ${e.actor}  ${e.action}${about ? `  ${about}` : ''}${e.reason ? `  "${e.reason}"` : ''}`;
}
