import { OdtError } from '@odt/cli-kit';
import type { Bucket } from './firebase-session.ts';
import { RESUMABLE_THRESHOLD_BYTES } from './limits.ts';
import { httpStatusOf } from './remote-errors.ts';
import type { VersionFile } from './registry/mirrored-version.ts';

/** What the bucket holds for one object (only the fields the publishers compare). */
export interface RemoteObject {
  generation: string;
  size: number;
  md5Hash?: string;
  sha256?: string;
}

function bucketMissing(error: unknown): boolean {
  return httpStatusOf(error) === 404 && /bucket does not exist/i.test((error as Error).message ?? '');
}

/** Reads an object's metadata; undefined when absent; a missing bucket is a clear error. */
export async function statObject(bucket: Bucket, path: string): Promise<RemoteObject | undefined> {
  try {
    const [md] = await bucket.file(path).getMetadata();
    return {
      generation: String(md.generation),
      size: Number(md.size),
      md5Hash: md.md5Hash,
      sha256: (md.metadata as Record<string, unknown> | undefined)?.sha256 as string | undefined,
    };
  } catch (error) {
    if (bucketMissing(error)) {
      throw new OdtError('REMOTE_REJECTED', `The bucket "${bucket.name}" does not exist`, {
        suggestion: 'Pass the project\'s Storage bucket with --bucket (e.g. <project-id>.appspot.com or <project-id>.firebasestorage.app).',
      });
    }
    if (httpStatusOf(error) === 404) return undefined;
    throw error;
  }
}

function sameContent(remote: RemoteObject, file: VersionFile): boolean {
  return remote.sha256 === file.sha256 && remote.md5Hash === file.md5Base64 && remote.size === file.bytes.length;
}

/**
 * Makes sure `path` holds exactly `file`: skips when an object with the same sha256/md5/size is
 * already there (a re-run), refuses to overwrite different content (versioned paths are
 * immutable), uploads create-only (`ifGenerationMatch: 0`) with crc32c validation, then reads the
 * object back and checks md5, size and sha256 before anyone may point at it.
 */
export async function ensureObject(
  bucket: Bucket,
  path: string,
  file: VersionFile,
  meta: { contentType: string; cacheControl: string; metadata: Record<string, string>; resumableThresholdBytes?: number },
): Promise<{ status: 'done' | 'skipped'; object: RemoteObject }> {
  const existing = await statObject(bucket, path);
  if (existing) {
    if (sameContent(existing, file)) return { status: 'skipped', object: existing };
    throw new OdtError('REMOTE_REJECTED', `gs://${bucket.name}/${path} already holds different bytes`, {
      context: { remoteSha256: existing.sha256 ?? '(none)', localSha256: file.sha256 },
      suggestion: 'Published version paths are immutable: publish a new version instead of changing this one.',
    });
  }
  try {
    await bucket.file(path).save(file.bytes, {
      resumable: file.bytes.length > (meta.resumableThresholdBytes ?? RESUMABLE_THRESHOLD_BYTES),
      validation: 'crc32c',
      metadata: { contentType: meta.contentType, cacheControl: meta.cacheControl, metadata: { ...meta.metadata, sha256: file.sha256 } },
      preconditionOpts: { ifGenerationMatch: 0 },
    });
  } catch (error) {
    // 412: the object appeared meanwhile (our own earlier attempt whose answer was lost, or a
    // concurrent publisher). Accept it only if it holds the same bytes.
    if (httpStatusOf(error) !== 412) throw error;
  }
  const written = await statObject(bucket, path);
  if (!written || !sameContent(written, file)) {
    throw new OdtError('INTEGRITY_FAILED', `gs://${bucket.name}/${path} does not match the registry file after upload`, {
      context: { localSha256: file.sha256, remoteSha256: written?.sha256 ?? '(missing)', remoteMd5: written?.md5Hash ?? '(missing)' },
    });
  }
  return { status: 'done', object: written };
}
