import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { OdtError, replaceDirectory, writeFileSynced, writeJsonAtomic } from '@odt/cli-kit';
import {
  MANIFEST_FILE_NAME,
  MANIFEST_SIGNATURE_FILE_NAME,
  MODEL_SIGNATURE_FILE_NAME,
  checkManifestMatchesChannel,
  verifyModelSignature,
  ManifestSchema,
  parseStrictJson,
  verifyChannelDocument,
  type ChannelSigned,
  sha256Hex,
  verifyManifestBytes,
  type ChannelName,
  type Manifest,
  type RegistryIndex,
} from '@odt/contract';
import { asChannel, requireModel } from './channels.ts';
import { corrupt } from './registry-errors.ts';
import { checkPullDestination, PULL_MARKER_FILE, readPullMarker, type PullMarker } from './pull-destination.ts';
import { channelDocumentPath } from './store/registry-store.ts';
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

const CHANNEL_ERRORS = {
  malformed: 'INTEGRITY_FAILED',
  'bad-signature': 'SIGNATURE_INVALID',
  'untrusted-key': 'SIGNATURE_INVALID',
  'wrong-channel': 'MIX_AND_MATCH',
  rollback: 'CHANNEL_ROLLBACK',
  expired: 'CHANNEL_EXPIRED',
} as const;

/**
 * Resolves a channel through its signed channel document, never through the unsigned index: the
 * signature, the expiry (freeze) and the sequence against the one this destination saw last
 * (rollback, equivocation) are checked, each refusal with its own error.
 */
async function resolveSignedChannel(source: RegistrySource, name: string, channel: string, trustedKeys: KeyObject[], lastSeen: PullMarker['channel'], now: Date): Promise<ChannelSigned> {
  const path = channelDocumentPath(name, asChannel(channel));
  const bytes = await source.read(path, READ_LIMITS.signature);
  if (!bytes) {
    throw new OdtError('NOT_FOUND', `channel ${channel} of ${name} has no signed channel document`, {
      context: { registry: source.location, document: path },
      suggestion: 'The publisher writes it with publish, promote or `npx nx run model:refresh-channels`.',
    });
  }
  const seen = lastSeen && lastSeen.name === channel ? { sequence: lastSeen.sequence, manifestSha256: lastSeen.manifestSha256 } : null;
  const check = verifyChannelDocument(bytes, trustedKeys, { model: name, channel, now, lastSeen: seen });
  if (!check.ok) {
    throw new OdtError(CHANNEL_ERRORS[check.kind], `the channel document of ${name}/${channel} is refused (${check.kind}): ${check.reason}`, {
      context: { registry: source.location, document: path, ...(seen ? { lastSeenSequence: seen.sequence } : {}) },
    });
  }
  return check.signed;
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

/** A version fetched into memory and proven: what pull writes and what remote targets mirror. */
export interface VerifiedVersion {
  name: string;
  version: string;
  manifest: Manifest;
  manifestBytes: Buffer;
  signatureBytes: Buffer;
  /** The OpenSSF Model Signing bundle (model.sig). */
  modelSignatureBytes: Buffer;
  /** The manifest's files in manifest order. */
  files: Map<string, Buffer>;
  keyId: string;
  /** The signed channel document followed, when a channel was asked for. */
  channel: ChannelSigned | null;
}

/**
 * Reads one version from any registry source and proves it before anyone uses a byte: the signed
 * channel document when a channel is asked for (signature, expiry, sequence against `lastSeen`),
 * the manifest's signature against the trusted keys and against the channel document and the
 * index, every file's size and sha256, and model.sig over all of them; each read bounded in size.
 * The one reader of versions: pull writes what it returns, remote publishers mirror it.
 */
export async function fetchVerifiedVersion(options: {
  source: RegistrySource;
  name: string;
  selector: VersionSelector;
  trustedKeys: KeyObject[];
  lastSeen?: PullMarker['channel'];
  now?: Date;
}): Promise<VerifiedVersion> {
  const { source, name } = options;
  const now = options.now ?? new Date();
  const index = await readSourceIndex(source);
  const signedChannel =
    'channel' in options.selector ? await resolveSignedChannel(source, name, options.selector.channel, options.trustedKeys, options.lastSeen, now) : null;
  const version = signedChannel ? signedChannel.version : resolveVersion(index, name, options.selector);
  const entry = requireModel(index, name).versions.find((v) => v.version === version);
  if (!entry) throw new OdtError('NOT_FOUND', `${name}@${version} is not in the registry index`, { context: { registry: source.location } });
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
  // The signed channel document pins the manifest's bytes: anything else is another version's.
  if (signedChannel) {
    const match = checkManifestMatchesChannel(signedChannel, bytes);
    if (!match.ok) throw new OdtError('MIX_AND_MATCH', `the manifest is not the one the signed channel document names: ${match.reason}`, { context: { version: base } });
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
  const modelSig = await source.read(`${base}/${MODEL_SIGNATURE_FILE_NAME}`, READ_LIMITS.manifest);
  if (!modelSig) throw new OdtError('SIGNATURE_INVALID', 'the version has no model.sig (OpenSSF Model Signing bundle)', { context: { version: base } });
  const signed = [...files, [MANIFEST_FILE_NAME, bytes] as const, [MANIFEST_SIGNATURE_FILE_NAME, sigBytes] as const].map(([path, content]) => ({ path, sha256: sha256Hex(content) }));
  const bundle = verifyModelSignature(modelSig, options.trustedKeys, signed);
  if (!bundle.ok) {
    throw new OdtError(bundle.kind === 'file-mismatch' ? 'INTEGRITY_FAILED' : 'SIGNATURE_INVALID', `model.sig does not verify (${bundle.kind}): ${bundle.reason}`, { context: { version: base } });
  }
  return { name, version, manifest, manifestBytes: bytes, signatureBytes: sigBytes, modelSignatureBytes: modelSig, files, keyId: check.keyId, channel: signedChannel };
}

/**
 * Pulls one version into `dest`: decides first whether the destination may be written (see
 * checkPullDestination), fetches and proves the version (fetchVerifiedVersion), decides again,
 * then replaces the destination as a whole, with a marker saying a pull wrote it.
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
  const now = options.now ?? new Date();
  const lastSeen = (await readPullMarker(options.dest))?.channel;
  const fetched = await fetchVerifiedVersion({ source, name, selector: options.selector, trustedKeys: options.trustedKeys, lastSeen, now });
  const { version, files, manifestBytes: bytes, signatureBytes: sigBytes, modelSignatureBytes: modelSig, channel: signedChannel } = fetched;
  const marker: PullMarker = {
    kind: 'odt-pull',
    model: name,
    version,
    from: source.location,
    pulledAt: now.toISOString(),
    ...(signedChannel ? { channel: { name: signedChannel.channel, sequence: signedChannel.sequence, manifestSha256: signedChannel.manifestSha256 } } : {}),
  };
  const bytesNeeded = [...files.values()].reduce((sum, f) => sum + f.length, bytes.length + sigBytes.length + modelSig.length);
  // The destination may have changed while we downloaded; decide again right before the swap.
  await checkPullDestination(guard);
  try {
    await replaceDirectory(options.dest, async (staging) => {
      for (const [path, content] of files) await writeFileSynced(join(staging, path), content);
      await writeFileSynced(join(staging, MANIFEST_FILE_NAME), bytes);
      await writeFileSynced(join(staging, MANIFEST_SIGNATURE_FILE_NAME), sigBytes);
      await writeFileSynced(join(staging, MODEL_SIGNATURE_FILE_NAME), modelSig);
      await writeJsonAtomic(join(staging, PULL_MARKER_FILE), marker);
    });
  } catch (cause) {
    if (cause instanceof OdtError) throw cause;
    throw destinationNotWritable(options.dest, bytesNeeded, cause);
  }
  return { name, version, dest: options.dest, keyId: fetched.keyId, files: [...files.keys()] };
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
