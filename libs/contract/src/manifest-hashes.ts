import { createHash } from 'node:crypto';
import { canonicalHash } from './canonical-json.ts';
import { MODEL_FILE_ROLES, type ManifestFile } from './manifest.ts';

/** sha256 (hex) of raw bytes; the one digest used for files, manifests and ETags. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The content hash of a model version: canonical hash of the sorted (path, sha256) pairs of
 * the model files only. Any language can recompute it from the manifest's file list.
 */
export function contentHashOf(files: ReadonlyArray<Pick<ManifestFile, 'path' | 'role' | 'sha256'>>): string {
  const modelFiles = files
    .filter((file) => MODEL_FILE_ROLES.includes(file.role))
    .map((file) => ({ path: file.path, sha256: file.sha256 }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return canonicalHash(modelFiles);
}
