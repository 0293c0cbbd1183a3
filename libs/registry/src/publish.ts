import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OdtError } from '@odt/cli-kit';
import {
  contentHashOf,
  DraftManifestSchema,
  formatIssues,
  MANIFEST_FILE_NAME,
  MANIFEST_SIGNATURE_FILE_NAME,
  ManifestSchema,
  MODEL_NAME_PATTERN,
  MODEL_SIGNATURE_FILE_NAME,
  sha256Hex,
  signManifestBytes,
  signModelFiles,
  type DraftManifest,
  type Manifest,
  type RegistryIndex,
} from '@odt/contract';
import { DRAFT_MANIFEST_FILE, readPassedVerification } from './verification-report.ts';
import { syncChannelDocuments } from './channel-documents.ts';
import { emptyModel, INDEX_FILE, moveChannel } from './registry-index-store.ts';
import { LOCK_HOLDER_BYTES } from './registry-lock.ts';
import type { SigningKey } from './signing-keys.ts';
import { openRegistryStore } from './store/open-store.ts';
import type { RegistryStore, StoreLock } from './store/registry-store.ts';
import { decideVersion } from './version-rule.ts';

export interface PublishOptions {
  /** A folder path, gs://bucket/prefix, or an opened store. */
  registry: string | RegistryStore;
  /** The `model:version` output folder (draft-manifest.json + the files it lists). */
  draftDir: string;
  signingKey: SigningKey;
  /** Defaults to the contract's modelName. */
  name?: string;
  /** Explicit version; must move forward. */
  version?: string;
  /** Publish a retrain of identical inputs whose bytes differ (numeric noise) as a new version. */
  newVersion?: boolean;
  now?: Date;
  lockTimeoutMs?: number;
}

export type PublishResult =
  | { status: 'published'; name: string; version: string; parentVersion: string | null; reason: string; path: string; keyId: string }
  | { status: 'unchanged'; name: string; version: string; why: 'identical-content' | 'identical-inputs' };

/** Serialises the manifest exactly once; these bytes are signed, stored and hashed. */
export function manifestBytes(manifest: Manifest): Buffer {
  return Buffer.from(`${JSON.stringify(ManifestSchema.parse(manifest), null, 2)}\n`);
}

async function loadDraft(draftDir: string): Promise<{ draft: DraftManifest; files: Map<string, Buffer> }> {
  await readPassedVerification(draftDir);
  const path = join(draftDir, DRAFT_MANIFEST_FILE);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new OdtError('ARTIFACTS_INVALID', 'there is no readable draft manifest; run the version stage first', { context: { file: path }, cause });
  }
  const parsed = DraftManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new OdtError('ARTIFACTS_INVALID', 'the draft manifest does not match the manifest schema', {
      context: { file: path, issues: formatIssues(parsed.error).slice(0, 5) },
    });
  }
  const draft = parsed.data;
  if (!draft.verification.passed) throw new OdtError('NOT_VERIFIED', 'the draft records a failed verification', { context: { file: path } });
  const files = new Map<string, Buffer>();
  for (const file of draft.files) {
    const bytes = await readFile(join(draftDir, file.path)).catch((cause) => {
      throw new OdtError('ARTIFACTS_INVALID', 'a file the draft lists is missing', { context: { file: join(draftDir, file.path) }, cause });
    });
    if (bytes.length !== file.size || sha256Hex(bytes) !== file.sha256) {
      throw new OdtError('ARTIFACTS_INVALID', 'a draft file changed after the version stage hashed it', {
        context: { file: join(draftDir, file.path) },
        suggestion: 'Re-run `npx nx run model:version` (with --skip-nx-cache if the cache holds the old draft).',
      });
    }
    files.set(file.path, bytes);
  }
  if (contentHashOf(draft.files) !== draft.contentHash) {
    throw new OdtError('ARTIFACTS_INVALID', 'the draft content hash does not match its files', { context: { file: path } });
  }
  return { draft, files };
}

/** The index bytes after a change, as commitIndex will write them: part of what a full disk must hold. */
function indexBytes(index: RegistryIndex): number {
  return Buffer.byteLength(`${JSON.stringify(index, null, 2)}\n`);
}

/** Before the lock: the sizes a publish will write, with the manifest, signature and index estimated. */
async function estimatedSizes(store: RegistryStore, draft: DraftManifest, files: Map<string, Buffer>): Promise<number[]> {
  const index = store.kind === 'folder' ? await stat(join(store.location, INDEX_FILE)).then((info) => info.size, () => 0) : 0;
  return [LOCK_HOLDER_BYTES, ...[...files.values()].map((bytes) => bytes.length), Buffer.byteLength(JSON.stringify(draft, null, 2)) + 256, 512, 4096, index + 1024];
}

/**
 * After a failed commit, removes the version the index does not list, if we still hold the lock
 * (a writer that lost it leaves the files to the next holder's cleaner).
 */
async function removeUncommitted(store: RegistryStore, lock: StoreLock, name: string, version: string): Promise<void> {
  if (!(await lock.assertHeld().then(() => true, () => false))) return;
  const { index } = await store.readIndex().catch(() => ({ index: null }));
  if (index && !index.models[name]?.versions.some((v) => v.version === version)) await store.removeVersion(name, version).catch(() => undefined);
}

/** What a publish writes, as file sizes; refined once the manifest and the new index exist. */
interface WriteSizes {
  sizes: number[];
}

/** The locked part of a publish; its errors leave raw, to be reported once the lock is released. */
async function publishUnderLock(
  store: RegistryStore,
  options: PublishOptions,
  name: string,
  draft: DraftManifest,
  files: Map<string, Buffer>,
  need: WriteSizes,
): Promise<PublishResult> {
  const lock = await store.acquireLock({ timeoutMs: options.lockTimeoutMs });
  try {
    const { index, token } = await store.readIndex();
    await store.cleanLeftovers(index);
    const decision = decideVersion(index.models[name], draft, options.version, { newVersion: options.newVersion });
    if (decision.kind === 'unchanged') {
      await syncChannelDocuments(store, index, options.signingKey, lock);
      return { status: 'unchanged', name, version: decision.version, why: decision.why };
    }
    const now = options.now ?? new Date();
    const manifest: Manifest = { ...draft, name, version: decision.version, createdAt: now.toISOString(), parentVersion: decision.parentVersion };
    const bytes = manifestBytes(manifest);
    const signature = signManifestBytes(bytes, options.signingKey.privateKey, options.signingKey.publicKey);
    const signatureText = `${JSON.stringify(signature, null, 2)}\n`;
    const model = index.models[name] ?? emptyModel();
    model.versions.push({
      version: decision.version,
      createdAt: manifest.createdAt,
      contractHash: manifest.contractHash,
      contentHash: manifest.contentHash,
      manifestSha256: sha256Hex(bytes),
      ...(manifest.lineage.inputsHash ? { inputsHash: manifest.lineage.inputsHash } : {}),
    });
    moveChannel(model, 'latest', decision.version, 'publish', now);
    index.models[name] = model;
    index.updatedAt = now.toISOString();
    const versionFiles = new Map(files);
    versionFiles.set(MANIFEST_FILE_NAME, bytes);
    versionFiles.set(MANIFEST_SIGNATURE_FILE_NAME, Buffer.from(signatureText));
    // The OpenSSF Model Signing bundle over every other file of the version: what model_signing verifies.
    const digests = [...versionFiles].map(([path, content]) => ({ path, sha256: sha256Hex(content) }));
    versionFiles.set(MODEL_SIGNATURE_FILE_NAME, signModelFiles(digests, options.signingKey, { modelName: `${name}@${decision.version}` }));
    need.sizes = [LOCK_HOLDER_BYTES, ...[...versionFiles.values()].map((content) => content.length), indexBytes(index)];

    try {
      await store.writeVersion(name, decision.version, versionFiles, lock);
      await store.commitIndex(index, token, lock);
    } catch (error) {
      await removeUncommitted(store, lock, name, decision.version);
      throw error;
    }
    await syncChannelDocuments(store, index, options.signingKey, lock, { now });
    return {
      status: 'published',
      name,
      version: decision.version,
      parentVersion: decision.parentVersion,
      reason: decision.reason,
      path: store.kind === 'folder' ? join(store.location, name, decision.version) : `${store.location}/${name}/${decision.version}`,
      keyId: signature.keyId,
    };
  } finally {
    await lock.release();
  }
}

/**
 * Publishes a verified draft into a registry (a folder or a bucket). Under the registry lock:
 * clean what killed writers left, apply the version rule to what is published there, write the
 * version's files (create-only), then commit by writing the index, then re-sign the channel
 * documents the commit moved. A failure removes what this publish wrote and releases the lock
 * before it is reported; a folder's file-system error is REGISTRY_NOT_WRITABLE, on a full disk
 * with the room the publish needs.
 */
export async function publishToRegistry(options: PublishOptions): Promise<PublishResult> {
  const { draft, files } = await loadDraft(options.draftDir);
  const name = options.name ?? draft.contract.modelName;
  if (!MODEL_NAME_PATTERN.test(name)) {
    throw new OdtError('USAGE', `"${name}" is not a valid model name`, { context: { pattern: String(MODEL_NAME_PATTERN) } });
  }
  const store = typeof options.registry === 'string' ? await openRegistryStore(options.registry) : options.registry;
  const need: WriteSizes = { sizes: await estimatedSizes(store, draft, files) };
  try {
    return await publishUnderLock(store, options, name, draft, files, need);
  } catch (error) {
    throw await store.describeFailure(error, need.sizes);
  }
}
