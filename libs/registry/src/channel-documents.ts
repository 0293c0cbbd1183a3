import {
  CHANNEL_NAMES,
  channelSignedFor,
  DEFAULT_CHANNEL_DOCUMENT_LIFETIME_DAYS,
  parseStrictJson,
  serializeChannelDocument,
  signChannelDocument,
  type ChannelName,
  type RegistryIndex,
} from '@odt/contract';
import { READ_LIMITS } from './registry-source.ts';
import type { SigningKey } from './signing-keys.ts';
import { channelDocumentPath, type RegistryStore, type StoreLock } from './store/registry-store.ts';

/** How long a channel document stays valid: MODEL_CHANNEL_LIFETIME_DAYS, else 30 days. */
export function channelLifetimeDays(env: NodeJS.ProcessEnv = process.env): number {
  const days = Number(env.MODEL_CHANNEL_LIFETIME_DAYS ?? DEFAULT_CHANNEL_DOCUMENT_LIFETIME_DAYS);
  return Number.isFinite(days) && days > 0 && days <= 366 ? days : DEFAULT_CHANNEL_DOCUMENT_LIFETIME_DAYS;
}

/** What the stored document of a channel says, or null when it is missing or unreadable. */
async function storedSequence(store: RegistryStore, name: string, channel: ChannelName): Promise<{ sequence: number; version: string; expiresAt: string } | null> {
  try {
    const bytes = await store.source.read(channelDocumentPath(name, channel), READ_LIMITS.signature);
    if (!bytes) return null;
    const { signed } = parseStrictJson(bytes.toString('utf8')) as { signed: { sequence: number; version: string; expiresAt: string } };
    return signed;
  } catch {
    return null;
  }
}

/**
 * Makes every channel document say what the index says. The index is the commit point and
 * carries each channel's sequence; a document is (re)signed when it is missing, names another
 * version or sequence (a writer died between its index commit and the document), or `refresh`
 * asks for a new expiry. Run under the lock, after each commit.
 */
export async function syncChannelDocuments(
  store: RegistryStore,
  index: RegistryIndex,
  key: SigningKey,
  lock: StoreLock,
  options: { now?: Date; refresh?: boolean; lifetimeDays?: number } = {},
): Promise<string[]> {
  const now = options.now ?? new Date();
  const written: string[] = [];
  for (const [name, model] of Object.entries(index.models)) {
    for (const channel of CHANNEL_NAMES) {
      const state = model.channels[channel];
      if (state.version === null || state.sequence === undefined) continue;
      const entry = model.versions.find((v) => v.version === state.version);
      if (!entry) continue;
      const stored = await storedSequence(store, name, channel);
      if (!options.refresh && stored?.sequence === state.sequence && stored.version === state.version) continue;
      const signed = channelSignedFor({
        model: name,
        channel,
        version: state.version,
        manifestSha256: entry.manifestSha256,
        sequence: state.sequence,
        now,
        lifetimeDays: options.lifetimeDays ?? channelLifetimeDays(),
      });
      await store.writeChannelDocument(name, channel, serializeChannelDocument(signChannelDocument(signed, key.privateKey, key.publicKey)), lock);
      written.push(`${name}/${channel}@${state.version}#${state.sequence}`);
    }
  }
  return written;
}
