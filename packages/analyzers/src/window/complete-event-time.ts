/**
 * How far a model's events are complete, from the progress of the partitions that carry them (docs/streaming.md,
 * "The watermark"). Producers that do not key by model (a random or round-robin partitioner) spread one model's
 * events over several partitions, which the consumer group reads at different speeds: a window may only close
 * once every partition carrying the model has passed it, or its first analysis is made on part of its events and
 * revised as the slower partitions come in. So the model's event time is the minimum over its partitions of each
 * one's largest event time, as Kafka Streams and Flink do. A partition that has not carried the model for
 * `idleTimeoutMs` of processing time (a producer that moved away, a partition whose traffic stopped) no longer
 * holds it back; when every partition is idle, nothing is coming, and the largest event time of all counts.
 */

/** One partition's progress for a model. */
export interface PartitionProgress {
  /** Its largest event time of the model, epoch ms; null when it has not carried the model yet. */
  readonly maxEventTs: number | null;
  /** Processing time since it last carried the model (or since it was first expected to), ms. */
  readonly idleMs: number;
}

/**
 * The event time up to which the model's events are complete (the watermark before the allowed lateness), or
 * null when nothing may close: no partition has carried the model, or an active partition has not carried it yet.
 */
export function completeEventTime(partitions: readonly PartitionProgress[], idleTimeoutMs: number): number | null {
  let minActive = Infinity;
  let anyActive = false;
  let maxAll = -Infinity;
  for (const p of partitions) {
    if (p.maxEventTs !== null && p.maxEventTs > maxAll) maxAll = p.maxEventTs;
    if (p.idleMs > idleTimeoutMs) continue;
    anyActive = true;
    // A partition expected to carry the model that has not yet holds everything back, until it idles.
    if (p.maxEventTs === null) return null;
    if (p.maxEventTs < minActive) minActive = p.maxEventTs;
  }
  if (anyActive) return minActive;
  return maxAll === -Infinity ? null : maxAll;
}
