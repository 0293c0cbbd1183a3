import { createHash } from 'node:crypto';
import type { Bucket } from '@google-cloud/storage';

/** The HTTP status of a Cloud Storage client error, or undefined for a transport failure. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/** An object's generation and md5 (base64), or null when it does not exist. */
export async function objectInfo(bucket: Bucket, path: string): Promise<{ generation: string; md5: string; size: number } | null> {
  try {
    const [md] = await bucket.file(path).getMetadata();
    return { generation: String(md.generation), md5: String(md.md5Hash ?? ''), size: Number(md.size) };
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

/** md5 as Cloud Storage reports it (base64), to compare stored objects with local bytes. */
export const md5Base64 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('base64');

/**
 * Uploads bytes only if the object is at `ifGenerationMatch` ('0': absent). Returns the new
 * generation, or 'conflict' when the precondition failed. A precondition that fails because our
 * own earlier attempt landed (a lost response the client retried) is recognised by the content.
 */
export async function putIfGeneration(bucket: Bucket, path: string, bytes: Buffer, ifGenerationMatch: string, contentType: string): Promise<string | 'conflict'> {
  const file = bucket.file(path);
  try {
    await file.save(bytes, {
      resumable: bytes.length > 8 * 1024 * 1024,
      validation: 'crc32c',
      metadata: { contentType, cacheControl: 'no-cache' },
      preconditionOpts: { ifGenerationMatch: Number(ifGenerationMatch) },
    });
  } catch (error) {
    if (statusOf(error) !== 412) throw error;
    const now = await objectInfo(bucket, path);
    if (now && now.md5 === md5Base64(bytes) && ifGenerationMatch !== now.generation) return now.generation;
    return 'conflict';
  }
  const generation = (file.metadata as { generation?: unknown }).generation;
  return generation !== undefined ? String(generation) : ((await objectInfo(bucket, path))?.generation ?? 'conflict');
}

/** Downloads an object whose stored content is the `md5` given; null when it changed meanwhile. */
export async function downloadIfMd5(bucket: Bucket, path: string, md5: string): Promise<Buffer | null> {
  try {
    const [bytes] = await bucket.file(path).download();
    return md5Base64(bytes) === md5 ? bytes : null;
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}
