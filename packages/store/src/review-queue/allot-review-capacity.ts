/**
 * How an hour's review capacity is spent (docs/review.md, "Capacity"). Each reserve (the audit sample, a configured
 * group oversample) is a minimum of the hour kept for its items: they are charged to it first, and nothing else may
 * use it, even when it is unused so far, so a sample that arrives late in the hour still finds it. The rest of the
 * capacity (capacityPerHour minus the reserves) is shared: any flagged item, a reserved one past its reserve
 * included, takes it in the order given (most urgent first). What fits nowhere is not queued.
 */

/** What an hour has spent: every queued item, and those of them charged to each reserve. */
export interface CapacityUse {
  queued: number;
  reserved: Record<string, number>;
}

/** One flagged item: the reserves it may be charged to, in order (none: the shared part only). */
export interface CapacityClaim {
  reserves?: readonly string[];
}

/**
 * Decides, in order, which of `items` are queued given the hour's `used` capacity. Returns one flag per item and the
 * hour's use after them. Reserves above the capacity are cut to it, in the order of `reserves`' keys.
 */
export function allotReviewCapacity(
  capacityPerHour: number,
  reserves: Readonly<Record<string, number>>,
  used: CapacityUse,
  items: readonly CapacityClaim[],
): { queued: boolean[]; used: CapacityUse } {
  const limit = new Map<string, number>();
  let left = Math.max(0, capacityPerHour);
  for (const [key, size] of Object.entries(reserves)) {
    const kept = Math.min(Math.max(0, Math.floor(size)), left);
    limit.set(key, kept);
    left -= kept;
  }
  const shared = left;
  const reserved: Record<string, number> = { ...used.reserved };
  let sharedUsed = used.queued - Object.values(used.reserved).reduce((a, b) => a + b, 0);
  let queuedTotal = used.queued;
  const queued = items.map((item) => {
    const key = item.reserves?.find((k) => (reserved[k] ?? 0) < (limit.get(k) ?? 0));
    if (key !== undefined) reserved[key] = (reserved[key] ?? 0) + 1;
    else if (sharedUsed < shared) sharedUsed++;
    else return false;
    queuedTotal++;
    return true;
  });
  return { queued, used: { queued: queuedTotal, reserved } };
}
