import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import type { ReferenceProfile } from '@vigil/analyzers';
import type { Logger, ModelConfig } from '@vigil/core';
import type { Store, StoredReferenceFit } from '@vigil/store';
import { fitModelReference } from '../pipeline/fit-reference';
import { vigilVersion } from '../version';

/**
 * What a fit's output depends on besides the file and the settings below: bump it when fitting a file gives another
 * profile than before (new bins, a new section), so fits kept by an earlier build are not reused (decision 0034).
 */
export const REFERENCE_FIT_FORMAT = 2;

/**
 * The fingerprint of what fitting `path` for `model` reads: SHA-256 of the fit's settings (task, threshold, the
 * features in order with their kinds, minGroupSize, fdr, explain), the file's extension (which decides how its
 * bytes are parsed), the fit format and Vigil's version, then the file's bytes. Undefined for what is not a regular
 * file (a pipe would be consumed by hashing it): it is fitted every time.
 */
export async function referenceFitKey(model: ModelConfig, path: string): Promise<string | undefined> {
  return fileFitKey(fitSettings(model, path), path);
}

/** {@link referenceFitKey} with the settings' text already made. */
async function fileFitKey(settings: string, path: string): Promise<string | undefined> {
  const stats = await stat(path);
  if (!stats.isFile()) return undefined;
  return hashFile(settings, path);
}

/** What a fit's fingerprint hashes before the file's bytes (the settings {@link referenceFitKey} lists). */
function fitSettings(model: ModelConfig, path: string): string {
  return JSON.stringify({
    format: REFERENCE_FIT_FORMAT,
    // A fit kept by another release of Vigil is fitted again.
    vigil: vigilVersion(),
    extension: extname(path).toLowerCase(),
    task: model.task,
    threshold: model.threshold,
    features: Object.entries(model.features),
    minGroupSize: model.minGroupSize,
    fdr: model.fdr,
    explain: model.explain ?? null,
  });
}

/** Bytes a fingerprint reads from the file at a time: a 20,000-row reference is a few reads, not fifty. */
const HASH_CHUNK_BYTES = 1 << 20;

async function hashFile(settings: string, path: string): Promise<string> {
  const hash = createHash('sha256').update(settings).update('\n');
  for await (const chunk of createReadStream(path, { highWaterMark: HASH_CHUNK_BYTES })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A model whose reference is a configured file, with the fingerprint of its fit (undefined: not a regular file). */
export interface ReferenceFile {
  model: ModelConfig;
  path: string;
  key: string | undefined;
}

/**
 * The models whose reference is a configured file, their paths resolved against the configuration's directory and
 * their fits' fingerprints. A file that cannot be read fails here, before the store is opened, with the error every
 * reader of a table file gives (`VIGIL_FILE_NOT_FOUND` …).
 */
export async function referenceFiles(models: readonly ModelConfig[], configDir: string): Promise<ReferenceFile[]> {
  const files: ReferenceFile[] = [];
  // Models naming the same file with the same settings have the same fingerprint: the file is hashed once for them
  // all (a fleet's models on one file hashed it once each, ~2 ms of CPU and a wait on the disk a model).
  const keys = new Map<string, string | undefined>();
  for (const model of models) {
    if (!model.reference || !('file' in model.reference)) continue;
    const path = resolve(configDir, model.reference.file);
    let key: string | undefined;
    try {
      const settings = fitSettings(model, path);
      const known = `${path}\n${settings}`;
      if (!keys.has(known)) keys.set(known, await fileFitKey(settings, path));
      key = keys.get(known);
    } catch {
      // Not readable: the fit says why, in the words of every other reader of a table file.
      await fitModelReference(model, path);
    }
    files.push({ model, path, key });
  }
  return files;
}

/**
 * The default profiles of the models whose reference is a configured file (docs/streaming.md, "Reference profiles"),
 * each fitted once per fingerprint: a file and settings fitted before, by this daemon or another one of the
 * database, are read from the store (`vigil_reference_fits`, migration 0029), and models with the same file and
 * settings share one fit. Fitting is deterministic, so a kept fit is the profile a new fit would give; every profile
 * is the parse of the fit's JSON, whether fitted now or kept, so a daemon bins with the same values either way.
 * Each fit made is logged with its model; the models that reuse a fit are listed in one line at the end. A file that
 * does not parse fails when it is fitted.
 */
export async function fitReferenceFiles(
  files: readonly ReferenceFile[],
  store: Store,
  logger: Logger,
): Promise<Map<string, ReferenceProfile>> {
  const keys = [...new Set(files.flatMap((f) => (f.key === undefined ? [] : [f.key])))];
  const kept = keys.length > 0 ? await store.profiles.loadFits(keys) : new Map<string, StoredReferenceFit>();
  const fitted = new Map<string, StoredReferenceFit>();
  // One parse per fingerprint: models sharing a fit share its profile object (nothing modifies a profile).
  const parsed = new Map<string, ReferenceProfile>();
  const profiles = new Map<string, ReferenceProfile>();
  // Why a fit's labelled reference gives no estimate, by fingerprint (kept beside the profile in the fit's JSON).
  const noEstimates = new Map<string, string>();
  // Models whose profile is a fit kept from an earlier start or made for another model now: listed in one line (a
  // line each was a tenth of a 1,000-model start's CPU).
  const reused: string[] = [];
  let fits = 0;
  for (const { model, path, key } of files) {
    let fit = key === undefined ? undefined : (kept.get(key) ?? fitted.get(key));
    if (fit === undefined) {
      const { profile, rows, noEstimate } = await fitModelReference(model, path);
      // Why the profile has no estimate is kept with the fit (not in the profile a version is pinned to), so a kept
      // fit says it too.
      fit = { profileJson: JSON.stringify(noEstimate === undefined ? profile : { ...profile, noEstimate }), rows };
      fits++;
      if (key !== undefined) {
        fitted.set(key, fit);
        await store.profiles.saveFit(key, fit);
      }
      logger.info({ model: model.id, rows }, 'reference profile fitted from the configured file');
    } else reused.push(model.id);
    let profile = key === undefined ? undefined : parsed.get(key);
    let noEstimate = key === undefined ? undefined : noEstimates.get(key);
    if (profile === undefined) {
      const { noEstimate: why, ...stored } = JSON.parse(fit.profileJson) as ReferenceProfile & { noEstimate?: string };
      profile = stored;
      noEstimate = why;
      if (key !== undefined) {
        parsed.set(key, stored);
        if (why !== undefined) noEstimates.set(key, why);
      }
    }
    // A labelled reference that gives no performance estimate: said once a start, whether the fit is new or kept.
    if (noEstimate !== undefined)
      logger.warn({ model: model.id }, `no performance estimate for ${model.id}: ${noEstimate}`);
    profiles.set(model.id, profile);
  }
  if (files.length > 0)
    logger.info(
      { models: files.length, fitted: fits, kept: kept.size, reused },
      'reference files: each distinct content and settings fitted once; the models listed got a fit kept from an earlier start or made for another model now',
    );
  return profiles;
}
