import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OdtError } from '@odt/cli-kit';
import { CHANNEL_NAMES, MANIFEST_FILE_NAME, sha256Hex, type ChannelName, type RegistryIndex, type RegistryModel } from '@odt/contract';
import { corrupt, writeFailure } from './registry-errors.ts';
import { INDEX_FILE, moveChannel, readIndex, writeIndex } from './registry-index-store.ts';
import { acquireRegistryLock, LOCK_HOLDER_BYTES } from './registry-lock.ts';
import { parseVersion } from './versions.ts';

/** Narrows a user-given channel name; anything else is NOT_FOUND with the valid names. */
export function asChannel(channel: string): ChannelName {
  if ((CHANNEL_NAMES as readonly string[]).includes(channel)) return channel as ChannelName;
  throw new OdtError('NOT_FOUND', `there is no channel "${channel}"`, { context: { channels: CHANNEL_NAMES.join(', ') } });
}

/** The index entry of a model, or NOT_FOUND listing the models that exist. */
export function requireModel(index: RegistryIndex, name: string): RegistryModel {
  const model = index.models[name];
  if (!model) throw new OdtError('NOT_FOUND', `there is no model "${name}" in the registry`, { context: { models: Object.keys(index.models).join(', ') || 'none' } });
  return model;
}

/**
 * Runs one index change under the registry lock and commits it with an atomic index write. A
 * write that fails (full disk, read-only) is REGISTRY_NOT_WRITABLE and leaves the index as it was.
 */
async function changeIndex<T>(root: string, change: (index: RegistryIndex, now: Date) => Promise<T>): Promise<T> {
  if (!(await stat(root).then((info) => info.isDirectory(), () => false))) {
    throw new OdtError('NOT_FOUND', 'there is no registry at this path', { context: { registry: root } });
  }
  const need = [LOCK_HOLDER_BYTES, await stat(join(root, INDEX_FILE)).then((info) => info.size + 512, () => 1024)];
  try {
    const lock = await acquireRegistryLock(root);
    try {
      const index = await readIndex(root);
      const now = new Date();
      const result = await change(index, now);
      index.updatedAt = now.toISOString();
      need[1] = Buffer.byteLength(`${JSON.stringify(index, null, 2)}\n`);
      await lock.assertHeld();
      await writeIndex(root, index);
      return result;
    } finally {
      await lock.release();
    }
  } catch (error) {
    // Reported after the lock is released, so the free space it names is all there is.
    throw await writeFailure(root, error, need);
  }
}

/** Points a channel at a published version, after checking its folder still holds that manifest. */
export async function promote(root: string, name: string, version: string, channelName: string): Promise<{ from: string | null; to: string }> {
  const channel = asChannel(channelName);
  parseVersion(version);
  return changeIndex(root, async (index, now) => {
    const model = requireModel(index, name);
    const entry = model.versions.find((v) => v.version === version);
    if (!entry) {
      throw new OdtError('NOT_FOUND', `${name}@${version} was never published`, { context: { versions: model.versions.map((v) => v.version).join(', ') } });
    }
    const manifestPath = join(root, name, version, MANIFEST_FILE_NAME);
    const bytes = await readFile(manifestPath).catch((cause) => {
      throw corrupt('the version folder has no manifest', { path: manifestPath }, cause);
    });
    if (sha256Hex(bytes) !== entry.manifestSha256) throw corrupt('the manifest on disk differs from the published one', { path: manifestPath });
    const from = model.channels[channel].version;
    moveChannel(model, channel, version, 'promote', now);
    return { from, to: version };
  });
}

/** Moves a channel back to the version it pointed at before its last move. */
export async function rollback(root: string, name: string, channelName: string): Promise<{ from: string | null; to: string }> {
  const channel = asChannel(channelName);
  return changeIndex(root, async (index, now) => {
    const model = requireModel(index, name);
    const state = model.channels[channel];
    const to = state.previous.pop();
    if (to === undefined) {
      throw new OdtError('NOT_FOUND', `channel ${channel} of ${name} has no earlier version to roll back to`, { context: { current: state.version } });
    }
    const from = state.version;
    model.history.push({ channel, action: 'rollback', from, to, at: now.toISOString() });
    state.version = to;
    return { from, to };
  });
}
