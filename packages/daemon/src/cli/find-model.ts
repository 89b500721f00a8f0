import { VigilError, type ModelConfig, type VigilConfig } from '@vigil/core';

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
