import { VigilError } from '@vigil/core';
import { commandHelp, HELP_OPTION, parseCommandArgs, type CommandOptions } from './command-args';
import { unknownModel } from './find-model';
import { EXIT, type CommandIo } from './command-io';
import { cliActor, requireReason, withAlerting } from './alerting-session';

const usage = (action: string) => `Usage: vigil model ${action} MODEL -c vigil.yaml --reason TEXT [--as NAME]

The governed kill switch: marks the model ${action === 'pause' ? 'paused' : 'resumed'} in the database and, when the configuration has a kafka
section, queues the control event {"model", "action": "${action}", "reason", "by", "ts"} for its topic kafka.topics.control
(vigil.control), which the running daemon publishes. Without one the state in the database is all there is.
${action === 'pause' ? 'Pausing a paused model' : 'Resuming a model that is not paused'} is refused (exit code 2, VIGIL_CONFLICT) and changes nothing.
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
    return withAlerting(io, values.config, what, true, async (alerting, config) => {
      const ids = config.models.map((m) => m.id);
      if (!ids.includes(model)) throw unknownModel(what, model, values.config as string, ids);
      const who = { actor: cliActor(io, values.as), reason };
      const control =
        action === 'pause' ? await alerting.pauseModel(model, who) : await alerting.resumeModel(model, who);
      // Only a deployment with Kafka has a control topic (docs/streaming.md): without one, nothing is published. Kafka
      // is on when the configuration has a kafka section or the environment names brokers, for the daemon as here.
      const published = config.kafka
        ? `The running daemon publishes the control event to ${config.kafka.topics.control}.`
        : `${values.config} has no kafka section and VIGIL_KAFKA_BROKERS is not set: the ${action} is recorded in the database only, and no control event is published.`;
      io.stdout(
        `${control.paused ? 'Paused' : 'Resumed'} ${control.model} as ${control.changedBy}: ${control.reason}. ${published}\n`,
      );
      return EXIT.ok;
    });
  };
}
