import { OdtError } from '@odt/cli-kit';
import { CHANNEL_NAMES, MANIFEST_FILE_NAME, sha256Hex, type ChannelName, type RegistryIndex, type RegistryModel } from '@odt/contract';
import { syncChannelDocuments } from './channel-documents.ts';
import { corrupt } from './registry-errors.ts';
import { moveChannel } from './registry-index-store.ts';
import { LOCK_HOLDER_BYTES } from './registry-lock.ts';
import { READ_LIMITS } from './registry-source.ts';
import type { SigningKey } from './signing-keys.ts';
import { openRegistryStore } from './store/open-store.ts';
import type { RegistryStore } from './store/registry-store.ts';
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
 * Runs one index change under the registry lock, commits it (a bucket by compare-and-swap on the
 * index generation), then re-signs the channel documents it moved. A write that fails (full disk,
 * read-only) is REGISTRY_NOT_WRITABLE and leaves the index as it was.
 */
async function changeIndex<T>(
  registry: string | RegistryStore,
  signingKey: SigningKey,
  change: (index: RegistryIndex, now: Date, store: RegistryStore) => Promise<T>,
): Promise<T> {
  const store = typeof registry === 'string' ? await openRegistryStore(registry) : registry;
  if (!(await store.exists())) {
    throw new OdtError('NOT_FOUND', 'there is no registry at this location', { context: { registry: store.location } });
  }
  const need = [LOCK_HOLDER_BYTES, 1024];
  try {
    const lock = await store.acquireLock();
    try {
      const { index, token } = await store.readIndex();
      const now = new Date();
      const result = await change(index, now, store);
      index.updatedAt = now.toISOString();
      need[1] = Buffer.byteLength(`${JSON.stringify(index, null, 2)}\n`);
      await store.commitIndex(index, token, lock);
      await syncChannelDocuments(store, index, signingKey, lock, { now });
      return result;
    } finally {
      await lock.release();
    }
  } catch (error) {
    // Reported after the lock is released, so the free space it names is all there is.
    throw await store.describeFailure(error, need);
  }
}

/** Points a channel at a published version, after checking the store still holds that manifest. */
export async function promote(
  registry: string | RegistryStore,
  name: string,
  version: string,
  channelName: string,
  signingKey: SigningKey,
): Promise<{ from: string | null; to: string }> {
  const channel = asChannel(channelName);
  parseVersion(version);
  return changeIndex(registry, signingKey, async (index, now, store) => {
    const model = requireModel(index, name);
    const entry = model.versions.find((v) => v.version === version);
    if (!entry) {
      throw new OdtError('NOT_FOUND', `${name}@${version} was never published`, { context: { versions: model.versions.map((v) => v.version).join(', ') } });
    }
    const manifestPath = `${name}/${version}/${MANIFEST_FILE_NAME}`;
    const bytes = await store.source.read(manifestPath, READ_LIMITS.manifest);
    if (!bytes) throw corrupt('the version has no manifest', { registry: store.location, path: manifestPath });
    if (sha256Hex(bytes) !== entry.manifestSha256) throw corrupt('the stored manifest differs from the published one', { registry: store.location, path: manifestPath });
    const from = model.channels[channel].version;
    moveChannel(model, channel, version, 'promote', now);
    return { from, to: version };
  });
}

/**
 * Moves a channel back to the version it pointed at before its last move. Devices accept it
 * because the new channel document carries a higher sequence, even though it names an older
 * version: a deliberate rollback, unlike a replayed old document.
 */
export async function rollback(registry: string | RegistryStore, name: string, channelName: string, signingKey: SigningKey): Promise<{ from: string | null; to: string }> {
  const channel = asChannel(channelName);
  return changeIndex(registry, signingKey, async (index, now) => {
    const model = requireModel(index, name);
    const state = model.channels[channel];
    const to = state.previous.pop();
    if (to === undefined) {
      throw new OdtError('NOT_FOUND', `channel ${channel} of ${name} has no earlier version to roll back to`, { context: { current: state.version } });
    }
    const from = state.version;
    model.history.push({ channel, action: 'rollback', from, to, at: now.toISOString() });
    state.version = to;
    state.sequence = (state.sequence ?? 0) + 1;
    return { from, to };
  });
}

/** Re-signs every channel document with a fresh expiry (run on a schedule, before they expire). */
export async function refreshChannels(registry: string | RegistryStore, signingKey: SigningKey): Promise<string[]> {
  const store = typeof registry === 'string' ? await openRegistryStore(registry) : registry;
  if (!(await store.exists())) throw new OdtError('NOT_FOUND', 'there is no registry at this location', { context: { registry: store.location } });
  const lock = await store.acquireLock();
  try {
    const { index, token } = await store.readIndex();
    // Channels moved before channel documents existed get their first sequence here.
    const fresh = Object.values(index.models).flatMap((model) => CHANNEL_NAMES.map((c) => model.channels[c])).filter((c) => c.version !== null && c.sequence === undefined);
    for (const state of fresh) state.sequence = 1;
    if (fresh.length > 0) await store.commitIndex(index, token, lock);
    return await syncChannelDocuments(store, index, signingKey, lock, { refresh: true });
  } catch (error) {
    throw await store.describeFailure(error, [LOCK_HOLDER_BYTES, 4096]);
  } finally {
    await lock.release();
  }
}
