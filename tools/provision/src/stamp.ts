import { readFile } from 'node:fs/promises';
import { writeJsonAtomic } from '@odt/cli-kit';

/**
 * A provisioning stamp records what a step was built from. A step whose stamp equals the
 * wanted one is skipped, which is what makes a second install a no-op.
 */
export async function readStamp(path: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** True when every key of `wanted` has the same value in the stamp on disk. */
export async function stampMatches(path: string, wanted: Record<string, unknown>): Promise<boolean> {
  const current = await readStamp(path);
  return current !== null && Object.entries(wanted).every(([k, v]) => JSON.stringify(current[k]) === JSON.stringify(v));
}

/** Written last, after the step succeeded, so a half-finished step is redone next time. */
export async function writeStamp(path: string, value: Record<string, unknown>): Promise<void> {
  await writeJsonAtomic(path, { ...value, provisionedAt: new Date().toISOString() });
}
