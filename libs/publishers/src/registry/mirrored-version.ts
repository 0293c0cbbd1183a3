import { createHash } from 'node:crypto';
import { OdtError } from '@odt/cli-kit';
import { MANIFEST_FILE_NAME, MANIFEST_SIGNATURE_FILE_NAME, MODEL_SIGNATURE_FILE_NAME, type Manifest, type ManifestFile } from '@odt/contract';
import type { VerifiedVersion } from '@odt/registry';

/** One file a remote target stores, with the digests the bucket reports back (md5 in base64). */
export interface VersionFile {
  path: string;
  role: ManifestFile['role'] | 'manifest' | 'signature' | 'model-signature';
  bytes: Buffer;
  sha256: string;
  md5Base64: string;
}

/** A verified registry version in the shape remote targets mirror it. */
export interface MirroredVersion {
  name: string;
  version: string;
  manifest: Manifest;
  /** keyId of the key whose manifest.sig the registry reader verified. */
  keyId: string;
  /** Manifest files in manifest order, then model.sig, manifest.json and manifest.sig (written last remotely). */
  files: VersionFile[];
  trainableModel: VersionFile;
}

function versionFile(path: string, role: VersionFile['role'], bytes: Buffer): VersionFile {
  return {
    path,
    role,
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    md5Base64: createHash('md5').update(bytes).digest('base64'),
  };
}

/**
 * Pure adapter from the registry's one reader (`fetchVerifiedVersion`, which checked manifest.sig,
 * every sha256, model.sig and any signed channel document) to the files a remote target uploads.
 * It reads nothing and trusts nothing new: it refuses a version that did not pass verification
 * and one whose in-memory files do not match their manifest entries (a hand-built object).
 */
export function mirroredVersion(verified: VerifiedVersion): MirroredVersion {
  const { manifest } = verified;
  const where = { version: `${verified.name}@${verified.version}` };
  if (manifest.name !== verified.name || manifest.version !== verified.version) {
    throw new OdtError('INTEGRITY_FAILED', `the manifest describes ${manifest.name}@${manifest.version}, not ${verified.name}@${verified.version}`, { context: where });
  }
  if (!manifest.verification.passed) throw new OdtError('NOT_VERIFIED', `${verified.name}@${verified.version} did not pass verification; it will not be published`, { context: where });
  const files: VersionFile[] = manifest.files.map((entry) => {
    const bytes = verified.files.get(entry.path);
    const file = bytes ? versionFile(entry.path, entry.role, bytes) : undefined;
    if (!file || file.sha256 !== entry.sha256 || file.bytes.length !== entry.size) {
      throw new OdtError('INTEGRITY_FAILED', `${entry.path} does not match its manifest entry`, {
        context: { ...where, expectedSha256: entry.sha256, actualSha256: file?.sha256 ?? '(missing)' },
      });
    }
    return file;
  });
  const trainableModel = files.find((f) => f.role === 'trainable-model');
  if (!trainableModel) throw new OdtError('REGISTRY_CORRUPT', 'The manifest lists no trainable-model file', { context: where });
  files.push(versionFile(MODEL_SIGNATURE_FILE_NAME, 'model-signature', verified.modelSignatureBytes));
  files.push(versionFile(MANIFEST_FILE_NAME, 'manifest', verified.manifestBytes));
  files.push(versionFile(MANIFEST_SIGNATURE_FILE_NAME, 'signature', verified.signatureBytes));
  return { name: verified.name, version: verified.version, manifest, keyId: verified.keyId, files, trainableModel };
}

/** Contract major of a version: one Firebase model name per major, so apps never cross majors. */
export function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}
