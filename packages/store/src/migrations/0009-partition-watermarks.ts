/**
 * Per model and partition, the largest event time a partition's batches carried (decision 0008, "A watermark per
 * model"). A model whose producers do not key by model has its events spread over several partitions, consumed at
 * different speeds: its windows must wait for the slowest partition that carries it, not close when the fastest
 * one passes them. `updated_at` is the database's time of the partition's last batch carrying the model, so every
 * daemon of a group sees the same idle partitions. A row whose `max_event_ts` is NULL is a partition of the topic
 * that has not carried the model yet: it holds the model's windows back for the idle timeout after the model's
 * first batch, so the first windows do not close before the other partitions' first batches are in.
 * `vigil_watermarks` stays: it is the model's largest event time, for the no-traffic check and for sources
 * without partitions.
 */
export const MIGRATION_0009_PARTITION_WATERMARKS = `
CREATE TABLE vigil_partition_watermarks (
  model         text        NOT NULL,
  topic         text        NOT NULL,
  partition     integer     NOT NULL,
  max_event_ts  timestamptz,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, topic, partition)
);
`;
