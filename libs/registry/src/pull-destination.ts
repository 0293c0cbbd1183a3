import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { OdtError } from '@odt/cli-kit';
import { LOCK_FILE } from './registry-lock.ts';
import { INDEX_FILE } from './registry-index-store.ts';

/** The file a pull leaves in its destination, so the next pull knows the folder is its own. */
export const PULL_MARKER_FILE = '.odt-pull.json';

/** What the marker says: which model the folder holds and where it came from. */
export interface PullMarker {
  kind: 'odt-pull';
  model: string;
  version: string;
  from: string;
  pulledAt: string;
  /** The signed channel document this pull followed: the next pull refuses an older one. */
  channel?: { name: string; sequence: number; manifestSha256: string };
}

/** How a pull may treat its destination; anything else was refused before a byte was written. */
export type DestinationState = 'absent' | 'empty' | 'earlier-pull' | 'forced';

function inUse(message: string, dest: string, extra: Record<string, unknown> = {}, suggestion?: string): OdtError {
  return new OdtError('DESTINATION_IN_USE', message, { context: { dest, ...extra }, ...(suggestion ? { suggestion } : {}) });
}

const isInside = (child: string, parent: string) => child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);

/** The path with symlinks resolved as far as it exists; the missing tail is kept as written. */
async function realish(path: string): Promise<string> {
  const missing: string[] = [];
  let current = resolve(path);
  for (;;) {
    try {
      return join(await realpath(current), ...missing.reverse());
    } catch {
      const parent = dirname(current);
      if (parent === current) return resolve(path);
      missing.push(relative(parent, current));
      current = parent;
    }
  }
}

/** True when the folder looks like a model registry root: an index.json with models, or its lock. */
async function isRegistryRoot(dir: string): Promise<boolean> {
  const index = await readFile(join(dir, INDEX_FILE), 'utf8').catch(() => null);
  if (index !== null) {
    try {
      const json = JSON.parse(index) as { models?: unknown; schemaVersion?: unknown };
      if (typeof json === 'object' && json !== null && 'models' in json && 'schemaVersion' in json) return true;
    } catch {
      /* not a registry index */
    }
  }
  return lstat(join(dir, LOCK_FILE)).then(() => true, () => false);
}

/** The marker an earlier pull left in `dir`, or null. */
export async function readPullMarker(dir: string): Promise<PullMarker | null> {
  try {
    const json = JSON.parse(await readFile(join(dir, PULL_MARKER_FILE), 'utf8')) as PullMarker;
    return json.kind === 'odt-pull' && typeof json.model === 'string' ? json : null;
  } catch {
    return null;
  }
}

/**
 * Decides whether a pull may replace `dest`, before anything is fetched. Never inside a registry
 * (the local source, any folder holding a registry index, or a folder containing the source);
 * otherwise only an absent or empty folder, or one an earlier pull of the same model wrote.
 * Files and foreign folders are replaced only with `force`.
 */
export async function checkPullDestination(options: { dest: string; model: string; sourceRoot?: string; force?: boolean }): Promise<DestinationState> {
  const dest = await realish(options.dest);
  if (options.sourceRoot !== undefined) {
    const source = await realish(options.sourceRoot);
    if (isInside(dest, source) || isInside(source, dest)) {
      throw inUse('--dest overlaps the registry it pulls from; a pull never writes inside a registry', options.dest, { registry: source }, 'Pick a --dest outside the registry folder, e.g. models/<name>.');
    }
  }
  for (let dir = dest; ; dir = dirname(dir)) {
    if (await isRegistryRoot(dir)) {
      throw inUse('--dest is inside a model registry; a pull never writes there, even with --force', options.dest, { registry: dir }, 'Pick a --dest outside the registry folder, e.g. models/<name>.');
    }
    if (dirname(dir) === dir) break;
  }
  const info = await lstat(dest).catch(() => null);
  if (info === null) return 'absent';
  if (!info.isDirectory()) {
    if (options.force) return 'forced';
    throw inUse('--dest is an existing file, not a folder', options.dest, {}, 'Name a folder that does not exist yet, or pass --force to replace the file.');
  }
  const entries = await readdir(dest);
  if (entries.length === 0) return 'empty';
  if (entries.includes(INDEX_FILE) && (await isRegistryRoot(dest))) {
    throw inUse('--dest holds a model registry; a pull never writes there, even with --force', options.dest);
  }
  const marker = await readPullMarker(dest);
  if (marker?.model === options.model) return 'earlier-pull';
  if (options.force) return 'forced';
  const owner = marker ? `an earlier pull of ${marker.model}` : `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} not written by a pull`;
  throw inUse(`--dest already holds ${owner}; it is left as it is`, options.dest, { entries: entries.slice(0, 5).join(', ') }, 'Pick an empty or new --dest, or pass --force to replace its content.');
}
