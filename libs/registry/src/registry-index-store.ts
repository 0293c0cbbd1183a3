import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '@odt/cli-kit';
import { formatIssues, parseStrictJson, RegistryIndexSchema, type ChannelName, type RegistryIndex, type RegistryModel } from '@odt/contract';
import { corrupt } from './registry-errors.ts';

export const INDEX_FILE = 'index.json';

/** An empty index: what a registry without index.json means (nothing committed yet). */
export function emptyIndex(now = new Date()): RegistryIndex {
  return { schemaVersion: 1, updatedAt: now.toISOString(), models: {} };
}

/** A model entry before its first publish. */
export function emptyModel(): RegistryModel {
  const channel = () => ({ version: null, previous: [] });
  return { versions: [], channels: { latest: channel(), stable: channel(), canary: channel() }, history: [] };
}

/** Parses index.json text; anything unparsable is REGISTRY_CORRUPT and nothing gets written. */
export function parseIndex(text: string, where: string): RegistryIndex {
  let json: unknown;
  try {
    json = parseStrictJson(text);
  } catch (cause) {
    throw corrupt(`the registry index is not valid JSON: ${(cause as Error).message}`, { index: where }, cause);
  }
  const parsed = RegistryIndexSchema.safeParse(json);
  if (!parsed.success) {
    throw corrupt('the registry index does not match its schema', { index: where, issues: formatIssues(parsed.error).slice(0, 5) });
  }
  return parsed.data;
}

/** Reads the index of a folder registry; a missing index is an empty registry. */
export async function readIndex(root: string): Promise<RegistryIndex> {
  const path = join(root, INDEX_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyIndex();
    throw corrupt('the registry index cannot be read', { index: path }, error);
  }
  return parseIndex(text, path);
}

/** The commit point of every registry change: temp file, fsync, rename, fsync the folder. */
export async function writeIndex(root: string, index: RegistryIndex): Promise<void> {
  await writeJsonAtomic(join(root, INDEX_FILE), RegistryIndexSchema.parse(index));
}

/** Moves a channel pointer and records the move, keeping the old pointer for rollback. */
export function moveChannel(
  model: RegistryModel,
  channel: ChannelName,
  to: string,
  action: 'publish' | 'promote',
  now: Date,
): void {
  const state = model.channels[channel];
  if (state.version === to) return;
  if (state.version !== null) state.previous.push(state.version);
  if (state.previous.length > 100) state.previous.splice(0, state.previous.length - 100);
  model.history.push({ channel, action, from: state.version, to, at: now.toISOString() });
  state.version = to;
  state.sequence = (state.sequence ?? 0) + 1;
}
