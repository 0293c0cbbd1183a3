import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, OdtError, writeFileSynced } from '@odt/cli-kit';
import {
  contentHashOf,
  DraftManifestSchema,
  formatIssues,
  MANIFEST_FILE_NAME,
  MANIFEST_SIGNATURE_FILE_NAME,
  ManifestSchema,
  MODEL_NAME_PATTERN,
  sha256Hex,
  signManifestBytes,
  type DraftManifest,
  type Manifest,
  type RegistryIndex,
} from '@odt/contract';
import { DRAFT_MANIFEST_FILE, readPassedVerification } from './verification-report.ts';
import { stagingPath } from './durable-fs.ts';
import { cleanLeftovers } from './registry-cleanup.ts';
import { writeFailure } from './registry-errors.ts';
import { emptyModel, INDEX_FILE, moveChannel, readIndex, writeIndex } from './registry-index-store.ts';
import { acquireRegistryLock, LOCK_HOLDER_BYTES, type RegistryLock } from './registry-lock.ts';
import type { SigningKey } from './signing-keys.ts';
import { decideVersion } from './version-rule.ts';

export interface PublishOptions {
  registry: string;
  /** The `model:version` output folder (draft-manifest.json + the files it lists). */
  draftDir: string;
  signingKey: SigningKey;
  /** Defaults to the contract's modelName. */
  name?: string;
  /** Explicit version; must move forward. */
  version?: string;
  now?: Date;
  lockTimeoutMs?: number;
}

export type PublishResult =
  | { status: 'published'; name: string; version: string; parentVersion: string | null; reason: string; path: string; keyId: string }
  | { status: 'unchanged'; name: string; version: string };

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

/** The index bytes after a change, as writeIndex will write them: part of what a full disk must hold. */
function indexBytes(index: RegistryIndex): number {
  return Buffer.byteLength(`${JSON.stringify(index, null, 2)}\n`);
}

/** Before the lock: the sizes a publish will write, with the manifest, signature and index estimated. */
async function estimatedSizes(root: string, draft: DraftManifest, files: Map<string, Buffer>): Promise<number[]> {
  const index = await stat(join(root, INDEX_FILE)).then((info) => info.size, () => 0);
  return [LOCK_HOLDER_BYTES, ...[...files.values()].map((bytes) => bytes.length), Buffer.byteLength(JSON.stringify(draft, null, 2)) + 256, 512, index + 1024];
}

/**
 * After a failed commit, removes the version folder the index does not list, if we still hold
 * the lock (a writer that lost it leaves the folder to the next holder's cleaner).
 */
async function removeUncommitted(root: string, lock: RegistryLock, name: string, version: string, dir: string): Promise<void> {
  if (!(await lock.assertHeld().then(() => true, () => false))) return;
  const index = await readIndex(root).catch(() => null);
  if (index && !index.models[name]?.versions.some((v) => v.version === version)) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
}

/** What a publish writes, as file sizes; refined once the manifest and the new index exist. */
interface WriteSizes {
  sizes: number[];
}

/** The locked part of a publish; its errors leave raw, to be reported once the lock is released. */
async function publishUnderLock(
  options: PublishOptions,
  name: string,
  draft: DraftManifest,
  files: Map<string, Buffer>,
  need: WriteSizes,
): Promise<PublishResult> {
  const root = options.registry;
  const lock = await acquireRegistryLock(root, { timeoutMs: options.lockTimeoutMs });
  try {
    const index = await readIndex(root);
    await cleanLeftovers(root, index);
    const decision = decideVersion(index.models[name], draft, options.version);
    if (decision.kind === 'unchanged') return { status: 'unchanged', name, version: decision.version };
    const now = options.now ?? new Date();
    const manifest: Manifest = { ...draft, name, version: decision.version, createdAt: now.toISOString(), parentVersion: decision.parentVersion };
    const bytes = manifestBytes(manifest);
    const signature = signManifestBytes(bytes, options.signingKey.privateKey, options.signingKey.publicKey);
    const signatureText = `${JSON.stringify(signature, null, 2)}\n`;
    const modelDir = join(root, name);
    const finalDir = join(modelDir, decision.version);
    const exists = await stat(finalDir).then(() => true, () => false);
    if (exists) {
      throw new OdtError('VERSION_CONFLICT', `${name}@${decision.version} already exists on disk and is never rewritten`, { context: { path: finalDir } });
    }
    const model = index.models[name] ?? emptyModel();
    model.versions.push({
      version: decision.version,
      createdAt: manifest.createdAt,
      contractHash: manifest.contractHash,
      contentHash: manifest.contentHash,
      manifestSha256: sha256Hex(bytes),
    });
    moveChannel(model, 'latest', decision.version, 'publish', now);
    index.models[name] = model;
    index.updatedAt = now.toISOString();
    need.sizes = [LOCK_HOLDER_BYTES, ...[...files.values()].map((content) => content.length), bytes.length, Buffer.byteLength(signatureText), indexBytes(index)];

    const staging = stagingPath(root, `${name}-${decision.version}`);
    let renamed = false;
    try {
      await mkdir(staging);
      for (const [path, content] of files) await writeFileSynced(join(staging, path), content);
      await writeFileSynced(join(staging, MANIFEST_FILE_NAME), bytes);
      await writeFileSynced(join(staging, MANIFEST_SIGNATURE_FILE_NAME), signatureText);
      await fsyncDir(staging);
      await mkdir(modelDir, { recursive: true });
      await fsyncDir(root);
      await lock.assertHeld();
      await rename(staging, finalDir);
      renamed = true;
      await fsyncDir(modelDir);
      await fsyncDir(root);
      await lock.assertHeld();
    } catch (error) {
      await rm(staging, { recursive: true, force: true }).catch(() => undefined);
      if (renamed) await removeUncommitted(root, lock, name, decision.version, finalDir);
      throw error;
    }
    await writeIndex(root, index).catch(async (error) => {
      await removeUncommitted(root, lock, name, decision.version, finalDir);
      throw error;
    });
    return {
      status: 'published',
      name,
      version: decision.version,
      parentVersion: decision.parentVersion,
      reason: decision.reason,
      path: finalDir,
      keyId: signature.keyId,
    };
  } finally {
    await lock.release();
  }
}

/**
 * Publishes a verified draft into a folder registry. Under the registry lock: clean what killed
 * writers left, apply the version rule, stage the version folder under a temp name (every file
 * fsynced), rename it into place, then commit by writing the index (temp + fsync + rename).
 * A failure removes what this publish wrote and releases the lock before it is reported; a file
 * system error is REGISTRY_NOT_WRITABLE, on a full disk with the room the publish needs.
 */
export async function publishToRegistry(options: PublishOptions): Promise<PublishResult> {
  const { draft, files } = await loadDraft(options.draftDir);
  const name = options.name ?? draft.contract.modelName;
  if (!MODEL_NAME_PATTERN.test(name)) {
    throw new OdtError('USAGE', `"${name}" is not a valid model name`, { context: { pattern: String(MODEL_NAME_PATTERN) } });
  }
  const root = options.registry;
  const need: WriteSizes = { sizes: await estimatedSizes(root, draft, files) };
  try {
    await mkdir(root, { recursive: true });
    return await publishUnderLock(options, name, draft, files, need);
  } catch (error) {
    throw await writeFailure(root, error, need.sizes);
  }
}
