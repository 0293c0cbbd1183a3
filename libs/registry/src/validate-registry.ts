import type { KeyObject } from 'node:crypto';
import {
  CHANNEL_NAMES,
  MANIFEST_FILE_NAME,
  MANIFEST_SIGNATURE_FILE_NAME,
  ManifestSchema,
  contentHashOf,
  parseStrictJson,
  sha256Hex,
  MODEL_SIGNATURE_FILE_NAME,
  verifyChannelDocument,
  verifyManifestBytes,
  verifyModelSignature,
  type RegistryIndex,
} from '@odt/contract';
import { isOdtError } from '@odt/cli-kit';
import { READ_LIMITS } from './registry-source.ts';
import { openRegistryStore } from './store/open-store.ts';
import { channelDocumentPath, type RegistryStore } from './store/registry-store.ts';

export interface RegistryReport {
  ok: boolean;
  /** Anything that makes a published version or the index untrustworthy. */
  errors: string[];
  /** Leftovers of killed writers that the next writer removes; harmless to readers. */
  warnings: string[];
  versions: number;
}

async function checkVersion(store: RegistryStore, name: string, entry: RegistryIndex['models'][string]['versions'][number], trusted: KeyObject[] | undefined, errors: string[]): Promise<void> {
  const where = `${name}@${entry.version}`;
  const dir = `${name}/${entry.version}`;
  const bytes = await store.source.read(`${dir}/${MANIFEST_FILE_NAME}`, READ_LIMITS.manifest).catch(() => null);
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
  const sigBytes = await store.source.read(`${dir}/${MANIFEST_SIGNATURE_FILE_NAME}`, READ_LIMITS.signature).catch(() => null);
  if (sigBytes === null) errors.push(`${where}: manifest.sig is missing`);
  else if (trusted) {
    let sig: unknown = null;
    try {
      sig = parseStrictJson(sigBytes.toString('utf8'));
    } catch {
      /* reported below */
    }
    const check = verifyManifestBytes(bytes, sig, trusted);
    if (!check.ok) errors.push(`${where}: signature: ${check.reason}`);
  }
  const listed = new Set([MANIFEST_FILE_NAME, MANIFEST_SIGNATURE_FILE_NAME, MODEL_SIGNATURE_FILE_NAME]);
  const digests = [{ path: MANIFEST_FILE_NAME, sha256: sha256Hex(bytes) }, ...(sigBytes ? [{ path: MANIFEST_SIGNATURE_FILE_NAME, sha256: sha256Hex(sigBytes) }] : [])];
  for (const file of manifest.files) {
    listed.add(file.path);
    const content = await store.source.read(`${dir}/${file.path}`, file.size).catch(() => null);
    if (!content) errors.push(`${where}: ${file.path} is missing or larger than the manifest says`);
    else if (content.length !== file.size || sha256Hex(content) !== file.sha256) errors.push(`${where}: ${file.path} does not match its sha256`);
    if (content) digests.push({ path: file.path, sha256: sha256Hex(content) });
  }
  const bundle = await store.source.read(`${dir}/${MODEL_SIGNATURE_FILE_NAME}`, READ_LIMITS.manifest).catch(() => null);
  if (!bundle) errors.push(`${where}: model.sig (OpenSSF Model Signing bundle) is missing`);
  else if (trusted) {
    const check = verifyModelSignature(bundle, trusted, digests);
    if (!check.ok) errors.push(`${where}: model.sig: ${check.kind}: ${check.reason}`);
  }
  for (const extra of await store.listVersionFiles(name, entry.version)) if (!listed.has(extra)) errors.push(`${where}: unexpected file ${extra}`);
}

/** Each channel document must be signed by a trusted key and say what the index says. */
async function checkChannelDocuments(store: RegistryStore, index: RegistryIndex, trusted: KeyObject[] | undefined, errors: string[], warnings: string[]): Promise<void> {
  for (const [name, model] of Object.entries(index.models)) {
    for (const channel of CHANNEL_NAMES) {
      const state = model.channels[channel];
      if (state.version === null || state.sequence === undefined) continue;
      const where = `${name} channel ${channel}`;
      const bytes = await store.source.read(channelDocumentPath(name, channel), READ_LIMITS.signature).catch(() => null);
      if (!bytes) {
        // The index is the commit point and the document follows it, so a writer killed between the
        // two leaves a channel with no document yet: the same lag as an older document, and as safe
        // (a device keeps what it has until a signed document exists).
        warnings.push(`${where}: channel document is missing (a writer died before writing it, or it was deleted); the next publish, promote or refresh writes it`);
        continue;
      }
      const entry = model.versions.find((v) => v.version === state.version);
      if (trusted) {
        const check = verifyChannelDocument(bytes, trusted, { model: name, channel, now: new Date() });
        if (!check.ok && check.kind === 'expired') {
          warnings.push(`${where}: channel document expired; devices refuse it until \`npx nx run model:refresh-channels\` re-signs it`);
          continue;
        }
        if (!check.ok) {
          errors.push(`${where}: channel document refused (${check.kind}): ${check.reason}`);
          continue;
        }
        const { signed } = check;
        if (signed.sequence < state.sequence) {
          warnings.push(`${where}: channel document #${signed.sequence} lags the index #${state.sequence} (a writer died before writing it); the next publish, promote or refresh re-signs it`);
        } else if (signed.version !== state.version || signed.sequence !== state.sequence || signed.manifestSha256 !== entry?.manifestSha256) {
          errors.push(`${where}: channel document names ${signed.version}#${signed.sequence}, the index ${state.version}#${state.sequence}`);
        }
      }
    }
  }
}

/**
 * Checks index <-> versions <-> manifests <-> sha256 (and signatures and channel documents when
 * keys are given), in a folder or a bucket. Never throws for a damaged registry: it reports, so a
 * person can see everything at once.
 */
export async function validateRegistry(registry: string | RegistryStore, options: { trustedKeys?: KeyObject[] } = {}): Promise<RegistryReport> {
  const errors: string[] = [];
  const store = typeof registry === 'string' ? await openRegistryStore(registry) : registry;
  if (!(await store.exists())) {
    return { ok: false, errors: [`${store.location} is not a registry (nothing was published there)`], warnings: [], versions: 0 };
  }
  let index: RegistryIndex;
  try {
    index = (await store.readIndex()).index;
  } catch (error) {
    const issues = isOdtError(error) && Array.isArray(error.context.issues) ? (error.context.issues as string[]) : [];
    const head = isOdtError(error) ? `index.json: ${error.message}` : String(error);
    return { ok: false, errors: [head, ...issues.map((issue) => `index.json: ${issue}`)], warnings: [], versions: 0 };
  }
  let versions = 0;
  for (const [name, model] of Object.entries(index.models)) {
    const known = new Set(model.versions.map((v) => v.version));
    if (known.size !== model.versions.length) errors.push(`${name}: a version is listed twice`);
    for (const entry of model.versions) {
      versions += 1;
      await checkVersion(store, name, entry, options.trustedKeys, errors);
    }
    for (const channel of CHANNEL_NAMES) {
      const state = model.channels[channel];
      for (const v of [state.version, ...state.previous]) if (v !== null && !known.has(v)) errors.push(`${name}: channel ${channel} names unknown version ${v}`);
    }
  }
  const warnings = await store.listLeftovers(index);
  await checkChannelDocuments(store, index, options.trustedKeys, errors, warnings);
  return { ok: errors.length === 0, errors, warnings, versions };
}
