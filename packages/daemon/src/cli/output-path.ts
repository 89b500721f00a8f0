/**
 * Where commands write files: checked before the work (a demo should not train for a minute and then fail on its
 * output directory), and every failure is one VIGIL_OUTPUT_UNWRITABLE line naming the path and the reason.
 */
import { mkdirSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { errorMessage, VigilError } from '@vigil/core';

/**
 * Why the system refused a write, in words: "ENOTDIR: not a directory, mkdir '/x/y'" → "a part of the path is a file,
 * not a directory". `vigil report` words its failures with it too. A recursive `mkdir` of a directory whose parent is a
 * file fails with EEXIST: pass `making: true` to read that as the file in the way it is.
 */
export function writeFailureReason(error: unknown, making = false): string {
  const e = error as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    ENOENT: 'its directory does not exist',
    ENOTDIR: 'a part of the path is a file, not a directory',
    EEXIST: making ? 'a part of the path is a file, not a directory' : 'it exists and is not a directory',
    EISDIR: 'it is a directory',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left on the device',
  };
  return (e.code && words[e.code]) ?? errorMessage(error);
}

function unwritable(what: string, path: string, error: unknown): VigilError {
  return new VigilError('VIGIL_OUTPUT_UNWRITABLE', `${what}: cannot write to ${path}: ${writeFailureReason(error)}`, {
    cause: error,
    retriable: (error as NodeJS.ErrnoException).code === 'ENOSPC',
  });
}

/** Makes sure `dir` is a directory Vigil can write into (creating it and its parents when missing). */
export function prepareOutputDirectory(dir: string, what: string): void {
  let isDirectory: boolean | undefined;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    isDirectory = undefined;
  }
  if (isDirectory === false)
    throw new VigilError(
      'VIGIL_OUTPUT_UNWRITABLE',
      `${what}: cannot write to ${dir}: it is a file, and the output must be a directory (created when missing)`,
    );
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw unwritable(what, dir, error);
  }
}

/** Writes one output file; its directory must exist. */
export async function writeOutputFile(path: string, data: string | Uint8Array, what: string): Promise<void> {
  try {
    await writeFile(path, data);
  } catch (error) {
    throw unwritable(what, path, error);
  }
}
