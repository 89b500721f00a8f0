import { createHash } from 'node:crypto';
import type { ReferenceProfile } from '@vigil/analyzers';
import { compositeKey, type Logger } from '@vigil/core';
import type { PinRequest, Store } from '@vigil/store';

/**
 * SHA-256 of a profile's canonical JSON (keys sorted at every level), so a profile fitted in memory and the same
 * profile read back from the database (whose `jsonb` reorders keys) have one fingerprint.
 */
export function profileFingerprint(profile: unknown): string {
  const canonical = JSON.stringify(profile, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Which profile a model version is binned and analysed with. A version's candidate is its own stored profile, else
 * the model's default (configured file or range); the first candidate any daemon uses is pinned in the store for
 * good (migration 0008), so every bucket of the version holds counts over the same bins, whatever is stored or
 * configured later. A later candidate that differs is not used, and said once.
 */
export class VersionProfiles {
  private readonly fingerprints = new WeakMap<object, string>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly defaults: ReadonlyMap<string, ReferenceProfile> | undefined,
    private readonly logger: Logger,
  ) {}

  /** The version's pinned profile, pinning its candidate if none is; undefined when it has neither. */
  async resolve(model: string, version: string): Promise<ReferenceProfile | undefined> {
    const stored = await this.store.profiles.loadReference<ReferenceProfile>(model, version);
    const candidate = stored?.profile ?? this.defaults?.get(model);
    if (candidate === undefined)
      return (await this.store.profiles.loadPinned<ReferenceProfile>(model, version))?.profile;
    const pinned = await this.store.profiles.pin(model, version, this.fingerprintOf(candidate), candidate);
    if (pinned.profile === undefined) return candidate;
    this.warnKept(model, version, pinned.pinnedAt, stored !== null);
    return pinned.profile;
  }

  /**
   * `resolve` of several versions, in four statements whatever their number (the first batches of a fleet hold a
   * version of every model: one at a time that was three round trips each). Keyed by `compositeKey(model, version)`;
   * the same pins and warnings as `resolve` one pair after the other.
   */
  async resolveMany(
    pairs: ReadonlyArray<readonly [string, string]>,
  ): Promise<Map<string, ReferenceProfile | undefined>> {
    const wanted = new Map<string, { model: string; version: string }>();
    for (const [model, version] of pairs) wanted.set(compositeKey(model, version), { model, version });
    const resolved = new Map<string, ReferenceProfile | undefined>();
    if (wanted.size === 0) return resolved;
    const stored = await this.store.profiles.loadReferences<ReferenceProfile>([...wanted.values()]);
    const candidates = new Map<string, ReferenceProfile>();
    const requests: PinRequest<ReferenceProfile>[] = [];
    for (const [key, { model, version }] of wanted) {
      const candidate = stored.get(key)?.profile ?? this.defaults?.get(model);
      if (candidate !== undefined) candidates.set(key, candidate);
      requests.push({
        model,
        version,
        ...(candidate === undefined
          ? {}
          : { offer: { fingerprint: this.fingerprintOf(candidate), profile: candidate } }),
      });
    }
    const pins = await this.store.profiles.resolvePins(requests);
    for (const [key, { model, version }] of wanted) {
      const candidate = candidates.get(key);
      const pinned = pins.get(key);
      if (candidate === undefined) {
        resolved.set(key, pinned?.profile);
        continue;
      }
      if (pinned?.profile === undefined) {
        resolved.set(key, candidate);
        continue;
      }
      this.warnKept(model, version, pinned.pinnedAt, stored.has(key));
      resolved.set(key, pinned.profile);
    }
    return resolved;
  }

  private warnKept(model: string, version: string, pinnedAt: number, stored: boolean): void {
    const key = compositeKey(model, version);
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logger.warn(
      { model, version, pinnedAt: new Date(pinnedAt).toISOString() },
      `model ${model} version ${version} keeps the reference profile its traffic was first binned with; the ${stored ? 'stored' : 'configured'} profile differs and is not used (deploy a new reference as a new version)`,
    );
  }

  private fingerprintOf(profile: ReferenceProfile): string {
    let fingerprint = this.fingerprints.get(profile);
    if (fingerprint === undefined) {
      fingerprint = profileFingerprint(profile);
      this.fingerprints.set(profile, fingerprint);
    }
    return fingerprint;
  }
}
