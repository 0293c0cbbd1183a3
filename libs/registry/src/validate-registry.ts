import { readFile, stat } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import {
  CHANNEL_NAMES,
  MANIFEST_FILE_NAME,
  MANIFEST_SIGNATURE_FILE_NAME,
  ManifestSchema,
  contentHashOf,
  parseStrictJson,
  sha256Hex,
  verifyManifestBytes,
  type RegistryIndex,
} from '@odt/contract';
import { isOdtError } from '@odt/cli-kit';
import { listDir } from './durable-fs.ts';
import { findUncommittedVersions, isLeftover } from './registry-cleanup.ts';
import { readIndex } from './registry-index-store.ts';

export interface RegistryReport {
  ok: boolean;
  /** Anything that makes a published version or the index untrustworthy. */
  errors: string[];
  /** Leftovers of killed writers that the next writer removes; harmless to readers. */
  warnings: string[];
  versions: number;
}

async function checkVersion(root: string, name: string, entry: RegistryIndex['models'][string]['versions'][number], trusted: KeyObject[] | undefined, errors: string[]): Promise<void> {
  const where = `${name}@${entry.version}`;
  const dir = join(root, name, entry.version);
  const bytes = await readFile(join(dir, MANIFEST_FILE_NAME)).catch(() => null);
  if (!bytes) return void errors.push(`${where}: manifest.json is missing`);
  if (sha256Hex(bytes) !== entry.manifestSha256) errors.push(`${where}: manifest.json differs from the one the index recorded`);
  let manifest;
  try {
    manifest = ManifestSchema.parse(parseStrictJson(bytes.toString('utf8')));
  } catch (error) {
    return void errors.push(`${where}: manifest.json is not a valid manifest (${(error as Error).message.split('\n')[0]})`);
  }
  if (manifest.name !== name || manifest.version !== entry.version) errors.push(`${where}: manifest names ${manifest.name}@${manifest.version}`);
  if (manifest.contentHash !== entry.contentHash || manifest.contractHash !== entry.contractHash) errors.push(`${where}: hashes differ from the index`);
  if (contentHashOf(manifest.files) !== manifest.contentHash) errors.push(`${where}: contentHash does not match the file list`);
  const sigText = await readFile(join(dir, MANIFEST_SIGNATURE_FILE_NAME), 'utf8').catch(() => null);
  if (sigText === null) errors.push(`${where}: manifest.sig is missing`);
  else if (trusted) {
    let sig: unknown = null;
    try {
      sig = parseStrictJson(sigText);
    } catch {
      /* reported below */
    }
    const check = verifyManifestBytes(bytes, sig, trusted);
    if (!check.ok) errors.push(`${where}: signature: ${check.reason}`);
  }
  const listed = new Set([MANIFEST_FILE_NAME, MANIFEST_SIGNATURE_FILE_NAME]);
  for (const file of manifest.files) {
    listed.add(file.path);
    const content = await readFile(join(dir, file.path)).catch(() => null);
    if (!content) errors.push(`${where}: ${file.path} is missing`);
    else if (content.length !== file.size || sha256Hex(content) !== file.sha256) errors.push(`${where}: ${file.path} does not match its sha256`);
  }
  for (const extra of await listDir(dir)) if (!listed.has(extra)) errors.push(`${where}: unexpected file ${extra}`);
}

/**
 * Checks index <-> folders <-> manifests <-> sha256 (and signatures when keys are given).
 * Never throws for a damaged registry: it reports, so a person can see everything at once.
 */
export async function validateRegistry(root: string, options: { trustedKeys?: KeyObject[] } = {}): Promise<RegistryReport> {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (!(await stat(root).then((s) => s.isDirectory(), () => false))) {
    return { ok: false, errors: [`${root} is not a registry folder`], warnings, versions: 0 };
  }
  let index: RegistryIndex;
  try {
    index = await readIndex(root);
  } catch (error) {
    const issues = isOdtError(error) && Array.isArray(error.context.issues) ? (error.context.issues as string[]) : [];
    const head = isOdtError(error) ? `index.json: ${error.message}` : String(error);
    return { ok: false, errors: [head, ...issues.map((issue) => `index.json: ${issue}`)], warnings, versions: 0 };
  }
  let versions = 0;
  for (const [name, model] of Object.entries(index.models)) {
    const known = new Set(model.versions.map((v) => v.version));
    if (known.size !== model.versions.length) errors.push(`${name}: a version is listed twice`);
    for (const entry of model.versions) {
      versions += 1;
      await checkVersion(root, name, entry, options.trustedKeys, errors);
    }
    for (const channel of CHANNEL_NAMES) {
      const state = model.channels[channel];
      for (const v of [state.version, ...state.previous]) if (v !== null && !known.has(v)) errors.push(`${name}: channel ${channel} names unknown version ${v}`);
    }
  }
  for (const entry of await listDir(root)) if (isLeftover(entry)) warnings.push(`leftover of an interrupted write: ${entry}`);
  for (const { name, version } of await findUncommittedVersions(root, index)) warnings.push(`uncommitted version folder (publish interrupted): ${name}/${version}`);
  return { ok: errors.length === 0, errors, warnings, versions };
}
