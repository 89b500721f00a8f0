/** What the parts of the alerting engine share: the configuration, the clock, the logger, and a relay nudge. */
import type { Logger, ModelConfig, VigilConfig } from '@vigil/core';
import type { Store } from '@vigil/store';

export interface AlertingContext {
  config: VigilConfig;
  models: ReadonlyMap<string, ModelConfig>;
  store: Pick<Store, 'transaction'>;
  now: () => number;
  logger: Logger;
  /** Asks the relay for a pass soon (after the caller's transaction has had a chance to commit). */
  kick: () => void;
}

/** The actor the daemon's own decisions are recorded under in the audit log. */
export const SYSTEM_ACTOR = 'vigil';
