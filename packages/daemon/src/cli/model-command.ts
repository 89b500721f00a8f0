import { VigilError } from '@vigil/core';
import { commandHelp, HELP_OPTION, parseCommandArgs, type CommandOptions } from './command-args';
import { EXIT, type CommandIo } from './command-io';
import { cliActor, requireReason, withAlerting } from './alerting-session';

const usage = (action: string) => `Usage: vigil model ${action} MODEL -c vigil.yaml --reason TEXT [--as NAME]

The governed kill switch: marks the model ${action === 'pause' ? 'paused' : 'resumed'} in the database and queues the control event
{"model", "action": "${action}", "reason", "by", "ts"} for the Kafka topic vigil.control, which the running daemon publishes.
`;

const OPTIONS = {
  config: {
    type: 'string',
    short: 'c',
    value: 'FILE',
    help: 'the configuration, for its database and models; required',
  },
  reason: { type: 'string', value: 'TEXT', help: 'why, for the audit log and the control event; required' },
  as: { type: 'string', value: 'NAME', help: 'who, for the audit log (default cli:$USER)' },
  help: HELP_OPTION,
} satisfies CommandOptions;

/** `vigil model pause|resume MODEL`. */
export function modelCommand(action: 'pause' | 'resume') {
  return async (argv: readonly string[], io: CommandIo): Promise<number> => {
    const what = `vigil model ${action}`;
    const { values, positionals } = parseCommandArgs(what, {
      args: [...argv],
      allowPositionals: true,
      options: OPTIONS,
    });
    if (values.help) {
      io.stdout(commandHelp(usage(action), OPTIONS, io.color));
      return EXIT.ok;
    }
    const [model, extra] = positionals;
    if (model === undefined) throw new VigilError('VIGIL_USAGE', `${what}: the model id is required`);
    if (extra !== undefined) throw new VigilError('VIGIL_USAGE', `${what}: one model at a time (got "${extra}" too)`);
    const reason = requireReason(what, values.reason);
    return withAlerting(io, values.config, what, true, async (alerting) => {
      const who = { actor: cliActor(io, values.as), reason };
      const control =
        action === 'pause' ? await alerting.pauseModel(model, who) : await alerting.resumeModel(model, who);
      io.stdout(
        `${control.paused ? 'Paused' : 'Resumed'} ${control.model} as ${control.changedBy}: ${control.reason}. The running daemon publishes the control event to vigil.control.\n`,
      );
      return EXIT.ok;
    });
  };
}
