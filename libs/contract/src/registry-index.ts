import { z } from 'zod';
import { SEMVER_MESSAGE, SEMVER_PATTERN } from './manifest.ts';

/**
 * The registry index (`index.json` at the registry root): which versions of each model exist,
 * where each channel points and how it got there. It is the commit point of a publish: a
 * version folder the index does not list was never published. Read by pull, serve and the
 * Kotlin core (channel lookup over HTTP).
 */

export const CHANNEL_NAMES = ['latest', 'stable', 'canary'] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];

/** Model names double as folder names, so they are restricted to a safe alphabet. */
export const MODEL_NAME_PATTERN = /^[a-z][a-z0-9-]{1,40}$/;

const semver = z.string().regex(SEMVER_PATTERN, SEMVER_MESSAGE);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const RegistryVersionEntrySchema = z.object({
  version: semver,
  createdAt: z.string().datetime(),
  contractHash: sha256,
  contentHash: sha256,
  /** sha256 of manifest.json's bytes: a cheap first check that the folder is what was published. */
  manifestSha256: sha256,
  /** The manifest's lineage.inputsHash: lets the version rule see a retrain of identical inputs. */
  inputsHash: sha256.optional(),
});
export type RegistryVersionEntry = z.infer<typeof RegistryVersionEntrySchema>;

/** A channel pointer plus the pointers it had before (most recent last), for rollback. */
export const ChannelStateSchema = z.object({
  version: semver.nullable(),
  previous: z.array(semver),
  /** Sequence of the newest signed channel document; only grows, so devices can refuse a replay. */
  sequence: z.number().int().nonnegative().optional(),
});
export type ChannelState = z.infer<typeof ChannelStateSchema>;

export const ChannelEventSchema = z.object({
  channel: z.enum(CHANNEL_NAMES),
  action: z.enum(['publish', 'promote', 'rollback']),
  from: semver.nullable(),
  to: semver.nullable(),
  at: z.string().datetime(),
});
export type ChannelEvent = z.infer<typeof ChannelEventSchema>;

export const RegistryModelSchema = z.object({
  versions: z.array(RegistryVersionEntrySchema),
  channels: z.object({ latest: ChannelStateSchema, stable: ChannelStateSchema, canary: ChannelStateSchema }),
  /** Append-only audit of every channel move. */
  history: z.array(ChannelEventSchema),
});
export type RegistryModel = z.infer<typeof RegistryModelSchema>;

export const RegistryIndexSchema = z.object({
  schemaVersion: z.literal(1),
  updatedAt: z.string().datetime(),
  models: z.record(z.string().regex(MODEL_NAME_PATTERN), RegistryModelSchema),
});
export type RegistryIndex = z.infer<typeof RegistryIndexSchema>;
