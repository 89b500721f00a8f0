import { parseArgs } from 'node:util';
import type { Incident } from '@vigil/store';
import { parseDuration, VigilError } from '@vigil/core';
import { EXIT, type CommandIo } from './command-io';
import { cliActor, requireReason, withAlerting } from './alerting-session';

const USAGE = `Usage:
  vigil incidents list [-c vigil.yaml] [--status open|firing,acknowledged,...] [--model M] [--limit 50] [--json]
  vigil incidents ack ID --reason TEXT [-c vigil.yaml] [--as NAME]
  vigil incidents resolve ID --reason TEXT [-c vigil.yaml] [--as NAME]
  vigil incidents silence (ID | -c vigil.yaml --model M [--version V] [--metric X] [--feature F] [--group G])
                          (--for 2h | --until 2026-11-23T08:00:00Z) --reason TEXT [--as NAME]

The alert lifecycle from a shell (docs/alerts.md). Changes are recorded in the audit log under --as (default
cli:$USER) with the reason; the running daemon sends the notifications they cause.
`;

const STATUSES = ['firing', 'acknowledged', 'resolved', 'silenced'] as const;
type Sub = 'list' | 'ack' | 'resolve' | 'silence';

/** `vigil incidents <sub>`: main.ts looks up the two words and hands over the rest. */
export function incidentsCommand(sub: Sub) {
  return async (argv: readonly string[], io: CommandIo): Promise<number> => {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        status: { type: 'string' },
        model: { type: 'string' },
        version: { type: 'string' },
        metric: { type: 'string' },
        feature: { type: 'string' },
        group: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
        reason: { type: 'string' },
        as: { type: 'string' },
        for: { type: 'string' },
        until: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    const what = `vigil incidents ${sub}`;
    if (sub === 'list') {
      if (positionals.length > 0) throw new VigilError('VIGIL_USAGE', `${what}: unexpected argument "${positionals[0]}"`);
      const limit = values.limit === undefined ? 50 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new VigilError('VIGIL_USAGE', `${what}: --limit "${values.limit}" must be an integer from 1 to 1000`);
      const statuses = values.status === undefined ? undefined : values.status.split(',').flatMap((s) => (s === 'open' ? ['firing', 'acknowledged', 'silenced'] : [s]));
      const bad = statuses?.find((s) => !(STATUSES as readonly string[]).includes(s));
      if (bad !== undefined) throw new VigilError('VIGIL_USAGE', `${what}: --status "${bad}" is not one of open, ${STATUSES.join(', ')}`);
      return withAlerting(io, values.config, what, false, async (alerting) => {
        const incidents = await alerting.listIncidents({ ...(values.model ? { model: values.model } : {}), ...(statuses ? { statuses: statuses as Incident['status'][] } : {}), limit });
        if (values.json) io.stdout(`${JSON.stringify(incidents, null, 2)}\n`);
        else if (incidents.length === 0) io.stdout('No incidents.\n');
        else for (const i of incidents) io.stdout(`${formatIncident(i)}\n`);
        return EXIT.ok;
      });
    }
    const id = positionals[0];
    if (positionals.length > 1) throw new VigilError('VIGIL_USAGE', `${what}: one incident id, not ${positionals.length}`);
    const who = { actor: cliActor(io, values.as), reason: requireReason(what, values.reason) };
    if (sub === 'ack' || sub === 'resolve') {
      if (id === undefined) throw new VigilError('VIGIL_USAGE', `${what}: the incident id is required (see vigil incidents list)`);
      return withAlerting(io, values.config, what, false, async (alerting) => {
        const incident = sub === 'ack' ? await alerting.acknowledge(id, who) : await alerting.resolve(id, who);
        io.stdout(`${sub === 'ack' ? 'Acknowledged' : 'Resolved'} ${incident.id} (${describe(incident)}) as ${who.actor}.\n`);
        return EXIT.ok;
      });
    }
    // silence
    if (id === undefined && values.model === undefined) throw new VigilError('VIGIL_USAGE', `${what}: name an incident id or --model (with -c vigil.yaml)`);
    if ((values.for === undefined) === (values.until === undefined)) throw new VigilError('VIGIL_USAGE', `${what}: give exactly one of --for DURATION and --until TIME: silences always expire`);
    let durationMs: number | undefined;
    if (values.for !== undefined) {
      try {
        durationMs = parseDuration(values.for, '--for');
      } catch (error) {
        throw new VigilError('VIGIL_USAGE', `${what}: --for "${values.for}" is not a duration (examples: 30m, 2h, 1d)`, { cause: error });
      }
    }
    const expiresAt = values.until === undefined ? undefined : Date.parse(values.until);
    if (expiresAt !== undefined && !Number.isFinite(expiresAt)) throw new VigilError('VIGIL_USAGE', `${what}: --until "${values.until}" is not an ISO-8601 time`);
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
      io.stdout(`Silence ${silence.id} until ${new Date(silence.expiresAt).toISOString()}; ${silenced.length} open incident${silenced.length === 1 ? '' : 's'} silenced.\n`);
      return EXIT.ok;
    });
  };
}

function describe(i: Incident): string {
  return `${i.model}${i.version ? `/${i.version}` : ''} ${i.metric}${i.feature ? `(${i.feature})` : ''}${i.group ? `[${i.group}]` : ''}`;
}

function formatIncident(i: Incident): string {
  const value = i.value === null ? '' : ` = ${i.value}${i.comparison && i.threshold !== null ? ` ${i.comparison} ${i.threshold}` : ''}`;
  const who = i.status === 'acknowledged' ? ` by ${i.acknowledgedBy}` : i.status === 'resolved' ? ` by ${i.resolvedBy}` : i.status === 'silenced' && i.silencedUntil ? ` until ${new Date(i.silencedUntil).toISOString()}` : '';
  return `${i.id}  ${i.status.padEnd(12)} ${i.severity.padEnd(8)} ${describe(i)}${value}  opened ${new Date(i.openedAt).toISOString()}${who}`;
}
