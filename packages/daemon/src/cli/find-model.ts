import { VigilError, type ModelConfig, type VigilConfig } from '@vigil/core';
import { closest } from './command-args';

/** The model `id` of a loaded configuration, or a usage error that lists the configured ones. */
export function findModel(config: VigilConfig, id: string, configPath: string, command: string): ModelConfig {
  const model = config.models.find((m) => m.id === id);
  if (!model)
    throw new VigilError(
      'VIGIL_USAGE',
      `${command}: no model "${id}" in ${configPath} (models: ${config.models.map((m) => m.id).join(', ')})`,
    );
  return model;
}

/**
 * `WHAT: no model "ID" in WHERE`, with the nearest of `ids` when one is near (`; did you mean "m10"?`), else the first
 * ten of them: `vigil model show`'s and `vigil model pause`'s VIGIL_NOT_FOUND.
 */
export function unknownModel(what: string, id: string, where: string, ids: readonly string[]): VigilError {
  const guess = closest(id, ids);
  const hint =
    guess !== undefined
      ? `; did you mean "${guess}"?`
      : ids.length > 0
        ? ` (models: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', ...' : ''})`
        : '';
  return new VigilError('VIGIL_NOT_FOUND', `${what}: no model "${id}" in ${where}${hint}`);
}
