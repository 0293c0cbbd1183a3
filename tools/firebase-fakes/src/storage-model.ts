import { createHash } from 'node:crypto';
import { crc32cBase64 } from './crc32c.ts';

/** One stored object generation, with the fields the JSON API reports. */
export interface StoredObject {
  bucket: string;
  name: string;
  bytes: Buffer;
  generation: number;
  metageneration: number;
  contentType: string;
  cacheControl?: string;
  metadata: Record<string, string>;
  md5Hash: string;
  crc32c: string;
  timeCreated: string;
  updated: string;
}

/** Preconditions the JSON API accepts as query parameters; any mismatch is a 412. */
export interface Preconditions {
  ifGenerationMatch?: number;
  ifGenerationNotMatch?: number;
  ifMetagenerationMatch?: number;
  ifMetagenerationNotMatch?: number;
}

export function preconditionsFrom(params: URLSearchParams): Preconditions {
  const num = (key: string) => (params.has(key) ? Number(params.get(key)) : undefined);
  return {
    ifGenerationMatch: num('ifGenerationMatch'),
    ifGenerationNotMatch: num('ifGenerationNotMatch'),
    ifMetagenerationMatch: num('ifMetagenerationMatch'),
    ifMetagenerationNotMatch: num('ifMetagenerationNotMatch'),
  };
}

/** True when the write may proceed; `ifGenerationMatch=0` means "only if it does not exist". */
export function preconditionsHold(current: StoredObject | undefined, pre: Preconditions): boolean {
  const generation = current?.generation ?? 0;
  if (pre.ifGenerationMatch !== undefined && pre.ifGenerationMatch !== generation) return false;
  if (pre.ifGenerationNotMatch !== undefined && pre.ifGenerationNotMatch === generation) return false;
  if (pre.ifMetagenerationMatch !== undefined && pre.ifMetagenerationMatch !== (current?.metageneration ?? 0)) return false;
  if (pre.ifMetagenerationNotMatch !== undefined && pre.ifMetagenerationNotMatch === (current?.metageneration ?? 0)) return false;
  return true;
}

/** In-memory buckets; generations grow monotonically like the real service's microsecond stamps. */
export class BucketStore {
  readonly buckets = new Map<string, Map<string, StoredObject>>();
  private nextGeneration = 1_700_000_000_000_000;

  createBucket(name: string): void {
    if (!this.buckets.has(name)) this.buckets.set(name, new Map());
  }

  get(bucket: string, name: string): StoredObject | undefined {
    return this.buckets.get(bucket)?.get(name);
  }

  put(bucket: string, name: string, bytes: Buffer, meta: { contentType?: string; cacheControl?: string; metadata?: Record<string, string> }): StoredObject {
    const objects = this.buckets.get(bucket);
    if (!objects) throw new Error(`no bucket ${bucket}`);
    const now = new Date().toISOString();
    this.nextGeneration += 1 + Math.floor(Math.random() * 1000);
    const object: StoredObject = {
      bucket,
      name,
      bytes,
      generation: this.nextGeneration,
      metageneration: 1,
      contentType: meta.contentType ?? 'application/octet-stream',
      cacheControl: meta.cacheControl,
      metadata: { ...(meta.metadata ?? {}) },
      md5Hash: createHash('md5').update(bytes).digest('base64'),
      crc32c: crc32cBase64(bytes),
      timeCreated: objects.get(name)?.timeCreated ?? now,
      updated: now,
    };
    objects.set(name, object);
    return object;
  }

  delete(bucket: string, name: string): boolean {
    return this.buckets.get(bucket)?.delete(name) ?? false;
  }

  /** Total number of stored objects, for "nothing was uploaded" assertions. */
  objectCount(): number {
    let count = 0;
    for (const objects of this.buckets.values()) count += objects.size;
    return count;
  }
}

/** The JSON API `Object` resource (numbers as strings, as the real API sends them). */
export function objectResource(object: StoredObject, baseUrl: string): Record<string, unknown> {
  const encoded = encodeURIComponent(object.name);
  return {
    kind: 'storage#object',
    id: `${object.bucket}/${object.name}/${object.generation}`,
    selfLink: `${baseUrl}/storage/v1/b/${object.bucket}/o/${encoded}`,
    mediaLink: `${baseUrl}/download/storage/v1/b/${object.bucket}/o/${encoded}?generation=${object.generation}&alt=media`,
    name: object.name,
    bucket: object.bucket,
    generation: String(object.generation),
    metageneration: String(object.metageneration),
    contentType: object.contentType,
    ...(object.cacheControl ? { cacheControl: object.cacheControl } : {}),
    storageClass: 'STANDARD',
    size: String(object.bytes.length),
    md5Hash: object.md5Hash,
    crc32c: object.crc32c,
    etag: Buffer.from(`${object.generation}/${object.metageneration}`).toString('base64'),
    timeCreated: object.timeCreated,
    updated: object.updated,
    metadata: object.metadata,
  };
}
