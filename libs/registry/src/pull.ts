import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { OdtError, replaceDirectory, writeFileSynced, writeJsonAtomic } from '@odt/cli-kit';
import {
  MANIFEST_FILE_NAME,
  MANIFEST_SIGNATURE_FILE_NAME,
  ManifestSchema,
  parseStrictJson,
  sha256Hex,
  verifyManifestBytes,
  type ChannelName,
  type Manifest,
  type RegistryIndex,
} from '@odt/contract';
import { asChannel, requireModel } from './channels.ts';
import { corrupt } from './registry-errors.ts';
import { checkPullDestination, PULL_MARKER_FILE, type PullMarker } from './pull-destination.ts';
import { READ_LIMITS, readSourceIndex, type RegistrySource } from './registry-source.ts';
import { compareVersions, maxSatisfying, parseVersion } from './versions.ts';

/** Which version to pull: one channel, one range, or one exact version. */
export type VersionSelector = { channel: string } | { range: string } | { version: string };

/** Resolves a selector against the index, with NOT_FOUND naming what does exist. */
export function resolveVersion(index: RegistryIndex, name: string, selector: VersionSelector): string {
  const model = requireModel(index, name);
  const versions = model.versions.map((v) => v.version).sort(compareVersions);
  let version: string | null;
  if ('channel' in selector) {
    const channel: ChannelName = asChannel(selector.channel);
    version = model.channels[channel].version;
    if (version === null) throw new OdtError('NOT_FOUND', `channel ${channel} of ${name} points at no version yet`, { context: { versions: versions.join(', ') } });
  } else if ('range' in selector) {
    version = maxSatisfying(versions, selector.range);
    if (version === null) throw new OdtError('NOT_FOUND', `no version of ${name} satisfies ${selector.range}`, { context: { versions: versions.join(', ') } });
  } else {
    parseVersion(selector.version);
    version = selector.version;
  }
  if (!versions.includes(version)) throw new OdtError('NOT_FOUND', `${name}@${version} is not in the registry index`, { context: { versions: versions.join(', ') } });
  return version;
}

export interface PullResult {
  name: string;
  version: string;
  dest: string;
  keyId: string;
  files: string[];
}

function integrity(message: string, context: Record<string, unknown>): OdtError {
  return new OdtError('INTEGRITY_FAILED', message, { context });
}

/** A write into --dest failed: a user-side problem (read-only, full disk), never an internal bug. */
function destinationNotWritable(dest: string, bytesNeeded: number, cause: unknown): OdtError {
  const code = (cause as NodeJS.ErrnoException)?.code ?? 'unknown';
  const full = code === 'ENOSPC' || code === 'EDQUOT';
  const mib = (bytesNeeded / (1024 * 1024)).toFixed(1);
  return new OdtError('DESTINATION_NOT_WRITABLE', full ? `the disk of --dest is full: the model needs ${mib} MiB (${bytesNeeded} bytes)` : `cannot write --dest (${code})`, {
    context: { dest, needs: `${bytesNeeded} bytes` },
    cause,
  });
}

/**
 * Fetches one version and proves it before writing anything: the destination may be written
 * (see checkPullDestination), the manifest's signature against the trusted keys, the manifest
 * against the index, every file's size and sha256, each read bounded in size. Only then is the
 * destination folder replaced as a whole, with a marker saying a pull wrote it.
 */
export async function pullVersion(options: {
  source: RegistrySource;
  name: string;
  selector: VersionSelector;
  dest: string;
  trustedKeys: KeyObject[];
  /** The local registry folder, when pulling from one: --dest may never overlap it. */
  sourceRoot?: string;
  /** Replace a file or a foreign folder at --dest (never a registry). */
  force?: boolean;
  now?: Date;
}): Promise<PullResult> {
  const { source, name } = options;
  const guard = { dest: options.dest, model: name, sourceRoot: options.sourceRoot, force: options.force };
  await checkPullDestination(guard);
  const index = await readSourceIndex(source);
  const version = resolveVersion(index, name, options.selector);
  const entry = index.models[name]!.versions.find((v) => v.version === version)!;
  const base = `${name}/${version}`;
  const bytes = await source.read(`${base}/${MANIFEST_FILE_NAME}`, READ_LIMITS.manifest);
  if (!bytes) throw corrupt('the version folder has no manifest.json', { registry: source.location, version: base });
  const sigBytes = await source.read(`${base}/${MANIFEST_SIGNATURE_FILE_NAME}`, READ_LIMITS.signature);
  if (!sigBytes) throw new OdtError('SIGNATURE_INVALID', 'the manifest is unsigned (manifest.sig is missing)', { context: { version: base } });
  let sigJson: unknown = null;
  try {
    sigJson = parseStrictJson(sigBytes.toString('utf8'));
  } catch {
    /* verifyManifestBytes reports an unreadable signature */
  }
  const check = verifyManifestBytes(bytes, sigJson, options.trustedKeys);
  if (!check.ok) throw new OdtError('SIGNATURE_INVALID', `the manifest signature is not valid: ${check.reason}`, { context: { version: base } });
  let manifest: Manifest;
  try {
    manifest = ManifestSchema.parse(parseStrictJson(bytes.toString('utf8')));
  } catch (cause) {
    throw integrity(`the signed manifest is not a valid manifest: ${(cause as Error).message.split('\n')[0]}`, { version: base });
  }
  if (manifest.name !== name || manifest.version !== version) {
    throw integrity('the manifest belongs to another version (replayed)', { expected: base, found: `${manifest.name}/${manifest.version}` });
  }
  if (sha256Hex(bytes) !== entry.manifestSha256) throw integrity('the manifest differs from the one the index recorded', { version: base });
  const files = new Map<string, Buffer>();
  for (const file of manifest.files) {
    const content = await source.read(`${base}/${file.path}`, file.size);
    if (!content) throw integrity(`${file.path} is missing from the version folder`, { version: base });
    if (content.length !== file.size || sha256Hex(content) !== file.sha256) {
      throw integrity(`${file.path} does not match its sha256 in the signed manifest`, {
        version: base,
        expected: file.sha256,
        actual: sha256Hex(content),
      });
    }
    files.set(file.path, content);
  }
  const marker: PullMarker = { kind: 'odt-pull', model: name, version, from: source.location, pulledAt: (options.now ?? new Date()).toISOString() };
  const bytesNeeded = [...files.values()].reduce((sum, f) => sum + f.length, bytes.length + sigBytes.length);
  // The destination may have changed while we downloaded; decide again right before the swap.
  await checkPullDestination(guard);
  try {
    await replaceDirectory(options.dest, async (staging) => {
      for (const [path, content] of files) await writeFileSynced(join(staging, path), content);
      await writeFileSynced(join(staging, MANIFEST_FILE_NAME), bytes);
      await writeFileSynced(join(staging, MANIFEST_SIGNATURE_FILE_NAME), sigBytes);
      await writeJsonAtomic(join(staging, PULL_MARKER_FILE), marker);
    });
  } catch (cause) {
    if (cause instanceof OdtError) throw cause;
    throw destinationNotWritable(options.dest, bytesNeeded, cause);
  }
  return { name, version, dest: options.dest, keyId: check.keyId, files: [...files.keys()] };
}

/** What `pull --list` prints: each model's versions (oldest first) and channel pointers. */
export async function listRegistry(source: RegistrySource): Promise<Array<{ name: string; versions: string[]; channels: Record<string, string | null> }>> {
  const index = await readSourceIndex(source);
  return Object.entries(index.models).map(([name, model]) => ({
    name,
    versions: model.versions.map((v) => v.version).sort(compareVersions),
    channels: Object.fromEntries(Object.entries(model.channels).map(([k, s]) => [k, s.version])),
  }));
}
