import { breaches, comparisonText, formatNumber } from '@vigil/alerts';
import type { Incident } from '@vigil/store';
import { parseDuration, VigilError } from '@vigil/core';
import { commandHelp, HELP_OPTION, parseCommandArgs, type CommandOption, type CommandOptions } from './command-args';
import { EXIT, type CommandIo } from './command-io';
import { cliActor, configArgument, requireReason, withAlerting, warnUnknownModelFilter } from './alerting-session';

const ABOUT = `The alert lifecycle from a shell (docs/alerts.md). Changes are recorded in the audit log under --as (default
cli:$USER) with the reason; the running daemon sends the notifications they cause.
`;

const SYNOPSIS: Record<Sub, string> = {
  list: 'vigil incidents list [-c vigil.yaml] [--status open|firing,acknowledged,...] [--model M] [--limit 50] [--json]',
  ack: 'vigil incidents ack ID --reason TEXT [-c vigil.yaml] [--as NAME]',
  resolve: 'vigil incidents resolve ID --reason TEXT [-c vigil.yaml] [--as NAME]',
  silence: `vigil incidents silence (ID | -c vigil.yaml --model M [--version V] [--metric X] [--feature F] [--group G])
                               (--for 2h | --until 2026-11-23T08:00:00Z) --reason TEXT [--as NAME]`,
};

const CONFIG = {
  type: 'string',
  short: 'c',
  value: 'FILE',
  help: 'the configuration, for its database and models',
} as const satisfies CommandOption;
const REASON = {
  type: 'string',
  value: 'TEXT',
  help: 'why, for the audit log; required',
} as const satisfies CommandOption;
const AS = {
  type: 'string',
  value: 'NAME',
  help: 'who, for the audit log (default cli:$USER)',
} as const satisfies CommandOption;

const OPTIONS = {
  list: {
    config: CONFIG,
    status: {
      type: 'string',
      value: 'STATUS,...',
      help: 'only these: open (firing, acknowledged or silenced), firing, acknowledged, resolved, silenced',
    },
    model: { type: 'string', value: 'M', help: 'only incidents of model M' },
    limit: { type: 'string', value: 'N', help: 'at most N incidents, open ones first (1 to 1000; default 50)' },
    json: { type: 'boolean', help: 'print JSON instead of lines' },
    help: HELP_OPTION,
  },
  ack: { config: CONFIG, reason: REASON, as: AS, help: HELP_OPTION },
  resolve: { config: CONFIG, reason: REASON, as: AS, help: HELP_OPTION },
  silence: {
    config: CONFIG,
    model: { type: 'string', value: 'M', help: 'silence the alerts of model M (with -c) instead of one incident' },
    version: { type: 'string', value: 'V', help: 'only its version V' },
    metric: { type: 'string', value: 'X', help: 'only metric X (psi, ece, ...)' },
    feature: { type: 'string', value: 'F', help: 'only feature F' },
    group: { type: 'string', value: 'G', help: 'only group G' },
    for: { type: 'string', value: 'DURATION', help: 'for this long (30m, 2h, 1d)' },
    until: { type: 'string', value: 'TIME', help: 'until this ISO-8601 time' },
    reason: REASON,
    as: AS,
    help: HELP_OPTION,
  },
} satisfies Record<Sub, CommandOptions>;

/** The values of any of the four (each parses only its own options). */
interface Values {
  config?: string;
  status?: string;
  model?: string;
  version?: string;
  metric?: string;
  feature?: string;
  group?: string;
  limit?: string;
  json?: boolean;
  reason?: string;
  as?: string;
  for?: string;
  until?: string;
  help?: boolean;
}

const STATUSES = ['firing', 'acknowledged', 'resolved', 'silenced'] as const;
type Sub = 'list' | 'ack' | 'resolve' | 'silence';

/** `vigil incidents <sub>`: main.ts looks up the two words and hands over the rest. */
export function incidentsCommand(sub: Sub) {
  return async (argv: readonly string[], io: CommandIo): Promise<number> => {
    const what = `vigil incidents ${sub}`;
    // One table for the four: each sub-command's help lists its own options, and refuses the others'.
    const options: CommandOptions = OPTIONS[sub];
    const { values: given, positionals } = parseCommandArgs(what, { args: [...argv], allowPositionals: true, options });
    const values = given as Values;
    if (values.help) {
      io.stdout(commandHelp(`Usage: ${SYNOPSIS[sub]}\n\n${ABOUT}`, options, io.color));
      return EXIT.ok;
    }
    if (sub === 'list') {
      if (positionals.length > 0)
        throw new VigilError('VIGIL_USAGE', `${what}: unexpected argument "${positionals[0]}"`);
      const limit = values.limit === undefined ? 50 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new VigilError('VIGIL_USAGE', `${what}: --limit "${values.limit}" must be an integer from 1 to 1000`);
      const statuses =
        values.status === undefined
          ? undefined
          : values.status.split(',').flatMap((s) => (s === 'open' ? ['firing', 'acknowledged', 'silenced'] : [s]));
      const bad = statuses?.find((s) => !(STATUSES as readonly string[]).includes(s));
      if (bad !== undefined)
        throw new VigilError('VIGIL_USAGE', `${what}: --status "${bad}" is not one of open, ${STATUSES.join(', ')}`);
      return withAlerting(io, values.config, what, false, async (alerting, config, store) => {
        await warnUnknownModelFilter(io, what, values.model, config, store);
        // One more than shown: whether the list was cut, said on stderr so the output itself stays the incidents.
        // What needs someone first, as an on-call list does: firing, acknowledged, silenced, then resolved.
        const found = await alerting.listIncidents({
          ...(values.model ? { model: values.model } : {}),
          ...(statuses ? { statuses: statuses as Incident['status'][] } : {}),
          limit: limit + 1,
          openFirst: true,
        });
        const incidents = found.slice(0, limit);
        if (values.json) io.stdout(`${JSON.stringify(incidents, null, 2)}\n`);
        else if (incidents.length === 0) io.stdout('No incidents.\n');
        else io.stdout(incidentLines(incidents));
        if (found.length > limit)
          io.info(
            `Showing the first ${limit} incident${limit === 1 ? '' : 's'}, open ones first; more match: ${limit < 1000 ? '--limit N shows up to 1000, or ' : ''}narrow with --model or --status.\n`,
          );
        return EXIT.ok;
      });
    }
    const id = positionals[0];
    if (positionals.length > 1)
      throw new VigilError('VIGIL_USAGE', `${what}: one incident id, not ${positionals.length}`);
    const who = { actor: cliActor(io, values.as), reason: requireReason(what, values.reason) };
    if (sub === 'ack' || sub === 'resolve') {
      if (id === undefined)
        throw new VigilError(
          'VIGIL_USAGE',
          `${what}: the incident id is required (see vigil incidents list${configArgument(values.config)})`,
        );
      return withAlerting(io, values.config, what, false, async (alerting) => {
        const incident = sub === 'ack' ? await alerting.acknowledge(id, who) : await alerting.resolve(id, who);
        io.stdout(
          `${sub === 'ack' ? 'Acknowledged' : 'Resolved'} ${incident.id} (${describe(incident)}) as ${who.actor}.\n`,
        );
        return EXIT.ok;
      });
    }
    // silence
    if (id === undefined && values.model === undefined)
      throw new VigilError('VIGIL_USAGE', `${what}: name an incident id or --model (with -c vigil.yaml)`);
    if ((values.for === undefined) === (values.until === undefined))
      throw new VigilError(
        'VIGIL_USAGE',
        `${what}: give exactly one of --for DURATION and --until TIME: silences always expire`,
      );
    let durationMs: number | undefined;
    if (values.for !== undefined) {
      try {
        durationMs = parseDuration(values.for, '--for');
      } catch (error) {
        throw new VigilError(
          'VIGIL_USAGE',
          `${what}: --for "${values.for}" is not a duration (examples: 30m, 2h, 1d)`,
          { cause: error },
        );
      }
    }
    const expiresAt = values.until === undefined ? undefined : Date.parse(values.until);
    if (expiresAt !== undefined && !Number.isFinite(expiresAt))
      throw new VigilError('VIGIL_USAGE', `${what}: --until "${values.until}" is not an ISO-8601 time`);
    return withAlerting(io, values.config, what, id === undefined, async (alerting) => {
      const { silence, silenced } = await alerting.silence({
        model: values.model ?? '',
        ...(values.version ? { version: values.version } : {}),
        ...(values.metric ? { metric: values.metric } : {}),
        ...(values.feature ? { feature: values.feature } : {}),
        ...(values.group ? { group: values.group } : {}),
        ...(id ? { incidentId: id } : {}),
        ...(durationMs !== undefined ? { durationMs } : {}),
        ...(expiresAt !== undefined ? { expiresAt } : {}),
        ...who,
      });
      io.stdout(
        `Silence ${silence.id} until ${new Date(silence.expiresAt).toISOString()}; ${silenced.length} open incident${silenced.length === 1 ? '' : 's'} silenced.\n`,
      );
      return EXIT.ok;
    });
  };
}

function describe(i: Incident): string {
  return `${i.model}${i.version ? `/${i.version}` : ''} ${i.metric}${i.feature ? `(${i.feature})` : ''}${i.group ? `[${i.group}]` : ''}`;
}

/** A header, then one line an incident: its id, status, severity and opening time in columns, then what and who. */
function incidentLines(incidents: readonly Incident[]): string {
  const idWidth = Math.max('ID'.length, ...incidents.map((i) => i.id.length));
  const line = (id: string, status: string, severity: string, opened: string, rest: string) =>
    `${id.padEnd(idWidth)}  ${status.padEnd(12)}  ${severity.padEnd(8)}  ${opened.padEnd(24)}  ${rest}`;
  return [
    line('ID', 'STATUS', 'SEVERITY', 'OPENED', 'INCIDENT'),
    ...incidents.map((i) => line(i.id, i.status, i.severity, new Date(i.openedAt).toISOString(), formatIncident(i))),
  ]
    .map((l) => `${l}\n`)
    .join('');
}

/** What the incident is about and its last breach, then who did what: acknowledged, resolved (and what cleared it). */
function formatIncident(i: Incident): string {
  // The incident's value is its last breach (rounded as the notices round it); a comparison is printed only when true.
  const value = i.value === null ? '' : ` = ${comparisonText(i.value, i.comparison, i.threshold)}`;
  const at = (ms: number | null) => (ms === null ? '' : ` at ${new Date(ms).toISOString()}`);
  const done: string[] = [];
  if (i.acknowledgedBy !== null) done.push(`acknowledged by ${i.acknowledgedBy}${at(i.acknowledgedAt)}`);
  if (i.status === 'resolved') {
    // A resolved incident says what cleared it beside its last breach.
    const r = i.resolution;
    const cleared =
      r === null
        ? ''
        : `: cleared, ${r.value === null ? 'no value' : formatNumber(r.value)} within the clear threshold ${formatNumber(r.clearThreshold)} in window ${new Date(r.windowStart).toISOString()} – ${new Date(r.windowEnd).toISOString()}`;
    done.push(`resolved by ${i.resolvedBy ?? 'unknown'}${at(i.resolvedAt)}${cleared}`);
  } else if (i.status === 'silenced' && i.silencedUntil !== null)
    done.push(`silenced until ${new Date(i.silencedUntil).toISOString()}`);
  const breach =
    i.kind === 'rule'
      ? ` ${breaches(i.value, i.comparison, i.threshold) ? 'last breach' : 'last value'}${value}${i.windowStart !== null && i.windowEnd !== null ? ` in window ${new Date(i.windowStart).toISOString()} – ${new Date(i.windowEnd).toISOString()}` : ''}`
      : value;
  return `${describe(i)}${breach}${done.map((d) => `; ${d}`).join('')}`;
}
