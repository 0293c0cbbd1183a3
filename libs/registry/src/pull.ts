import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { OdtError, replaceDirectory, writeFileSynced } from '@odt/cli-kit';
import {
  MANIFEST_FILE_NAME,
  MANIFEST_SIGNATURE_FILE_NAME,
  ManifestSchema,
  sha256Hex,
  verifyManifestBytes,
  type ChannelName,
  type Manifest,
  type RegistryIndex,
} from '@odt/contract';
import { asChannel, requireModel } from './channels.ts';
import { corrupt } from './registry-errors.ts';
import { readSourceIndex, type RegistrySource } from './registry-source.ts';
import { maxSatisfying } from './semver-range.ts';
import { compareVersions, parseVersion } from './semver.ts';

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

/**
 * Fetches one version and proves it before writing anything: the manifest's signature against
 * the trusted keys, the manifest against the index, every file's size and sha256. Only then is
 * the destination folder replaced as a whole.
 */
export async function pullVersion(options: {
  source: RegistrySource;
  name: string;
  selector: VersionSelector;
  dest: string;
  trustedKeys: KeyObject[];
}): Promise<PullResult> {
  const { source, name } = options;
  const index = await readSourceIndex(source);
  const version = resolveVersion(index, name, options.selector);
  const entry = index.models[name]!.versions.find((v) => v.version === version)!;
  const base = `${name}/${version}`;
  const bytes = await source.read(`${base}/${MANIFEST_FILE_NAME}`);
  if (!bytes) throw corrupt('the version folder has no manifest.json', { registry: source.location, version: base });
  const sigBytes = await source.read(`${base}/${MANIFEST_SIGNATURE_FILE_NAME}`);
  if (!sigBytes) throw new OdtError('SIGNATURE_INVALID', 'the manifest is unsigned (manifest.sig is missing)', { context: { version: base } });
  let sigJson: unknown = null;
  try {
    sigJson = JSON.parse(sigBytes.toString('utf8'));
  } catch {
    /* verifyManifestBytes reports an unreadable signature */
  }
  const check = verifyManifestBytes(bytes, sigJson, options.trustedKeys);
  if (!check.ok) throw new OdtError('SIGNATURE_INVALID', `the manifest signature is not valid: ${check.reason}`, { context: { version: base } });
  let manifest: Manifest;
  try {
    manifest = ManifestSchema.parse(JSON.parse(bytes.toString('utf8')));
  } catch (cause) {
    throw integrity('the signed manifest is not a valid manifest', { version: base, cause: String(cause) });
  }
  if (manifest.name !== name || manifest.version !== version) {
    throw integrity('the manifest belongs to another version (replayed)', { expected: base, found: `${manifest.name}/${manifest.version}` });
  }
  if (sha256Hex(bytes) !== entry.manifestSha256) throw integrity('the manifest differs from the one the index recorded', { version: base });
  const files = new Map<string, Buffer>();
  for (const file of manifest.files) {
    const content = await source.read(`${base}/${file.path}`);
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
  await replaceDirectory(options.dest, async (staging) => {
    for (const [path, content] of files) await writeFileSynced(join(staging, path), content);
    await writeFileSynced(join(staging, MANIFEST_FILE_NAME), bytes);
    await writeFileSynced(join(staging, MANIFEST_SIGNATURE_FILE_NAME), sigBytes);
  });
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
