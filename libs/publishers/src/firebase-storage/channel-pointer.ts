import { OdtError } from '@odt/cli-kit';
import { z } from 'zod';

/** Channel names map to object names, so they stay short and path-safe. */
export const CHANNEL_RULE = /^[a-z0-9][a-z0-9-]{0,31}$/;

export function assertChannel(channel: string): void {
  if (!CHANNEL_RULE.test(channel)) {
    throw new OdtError('USAGE', `"${channel}" is not a valid channel name`, { suggestion: 'Use 1-32 characters: lowercase letters, digits and hyphens (e.g. latest, beta).' });
  }
}

/**
 * The per-channel pointer object `<prefix>/<name>/channels/<channel>.json`: the only mutable
 * object. It names the version and the exact generation and sha256 of every object of that
 * version, so an app reading it fetches precisely what was verified, never a half-written version.
 */
export const ChannelPointerSchema = z.object({
  schemaVersion: z.literal(1),
  name: z.string(),
  channel: z.string(),
  version: z.string(),
  contractMajor: z.number().int().nonnegative(),
  contentHash: z.string(),
  manifest: z.object({ path: z.string(), sha256: z.string(), generation: z.string() }),
  signature: z.object({ path: z.string(), sha256: z.string(), generation: z.string() }),
  model: z.object({ path: z.string(), sha256: z.string(), size: z.number().int(), generation: z.string() }),
  files: z.array(z.object({ path: z.string(), role: z.string(), sha256: z.string(), size: z.number().int(), generation: z.string() })),
  publishedAt: z.string(),
});
export type ChannelPointer = z.infer<typeof ChannelPointerSchema>;
