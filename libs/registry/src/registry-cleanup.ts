import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RegistryIndex } from '@odt/contract';
import { MODEL_NAME_PATTERN } from '@odt/contract';
import { listDir } from './durable-fs.ts';
import { LOCK_DEBRIS_PREFIX } from './registry-lock.ts';
import { tryParseVersion } from './versions.ts';

/** What a crashed writer can leave behind at the registry root (`.lock` itself is the live lock, not debris). */
export function isLeftover(entry: string): boolean {
  return entry.startsWith('.tmp-') || (entry.startsWith('.') && entry.endsWith('.tmp')) || entry.startsWith(LOCK_DEBRIS_PREFIX);
}

/** Version folders on disk that the index does not list: publishes killed before their commit. */
export async function findUncommittedVersions(root: string, index: RegistryIndex): Promise<Array<{ name: string; version: string }>> {
  const found: Array<{ name: string; version: string }> = [];
  for (const name of await listDir(root)) {
    if (!MODEL_NAME_PATTERN.test(name)) continue;
    const listed = new Set(index.models[name]?.versions.map((v) => v.version) ?? []);
    for (const version of await listDir(join(root, name))) {
      if (tryParseVersion(version) && !listed.has(version)) found.push({ name, version });
    }
  }
  return found;
}

/**
 * Rolls back what killed writers left: staging folders, temp files and version folders the
 * index never committed. Only called while holding the lock with a valid index, so nothing it
 * removes can belong to a live writer or to a published version.
 */
export async function cleanLeftovers(root: string, index: RegistryIndex): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await listDir(root)) {
    if (isLeftover(entry)) {
      await rm(join(root, entry), { recursive: true, force: true });
      removed.push(entry);
    }
  }
  for (const { name, version } of await findUncommittedVersions(root, index)) {
    await rm(join(root, name, version), { recursive: true, force: true });
    removed.push(`${name}/${version}`);
  }
  return removed;
}
