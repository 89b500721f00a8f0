import type { SqlExecutor } from '../sql/sql-client';

export interface StoredOffset {
  topic: string;
  partition: number;
  /** The next offset to consume (kafkajs's `seek` takes it as is). */
  nextOffset: string;
}

/** The offsets a consumer seeks to on start and on every partition assignment. */
export async function loadOffsets(sql: SqlExecutor, groupId: string, topic: string): Promise<StoredOffset[]> {
  const result = await sql.query<{ partition: number; next_offset: string }>(
    'SELECT partition, next_offset::text AS next_offset FROM vigil_consumer_offsets WHERE group_id = $1 AND topic = $2 ORDER BY partition',
    [groupId, topic],
  );
  return result.rows.map((r) => ({ topic, partition: r.partition, nextOffset: r.next_offset }));
}
