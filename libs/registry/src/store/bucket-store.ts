import type { Bucket, Storage } from '@google-cloud/storage';
import { OdtError, isOdtError } from '@odt/cli-kit';
import { RegistryIndexSchema, type RegistryIndex } from '@odt/contract';
import { corrupt } from '../registry-errors.ts';
import { emptyIndex, INDEX_FILE, parseIndex } from '../registry-index-store.ts';
import type { RegistrySource } from '../registry-source.ts';
import { tryParseVersion } from '../versions.ts';
import { acquireBucketLock } from './bucket-lock.ts';
import { downloadIfMd5, md5Base64, objectInfo, putIfGeneration, statusOf } from './bucket-objects.ts';
import { channelDocumentPath, type RegistryStore } from './registry-store.ts';

const CONTENT_TYPES: Record<string, string> = { '.json': 'application/json', '.sig': 'application/json', '.md': 'text/markdown' };
const contentTypeOf = (file: string) => CONTENT_TYPES[/\.[a-z]+$/.exec(file)?.[0] ?? ''] ?? 'application/octet-stream';

function tooLarge(where: string, maxBytes: number, size: number): OdtError {
  return new OdtError('INTEGRITY_FAILED', `${where} is larger than the ${maxBytes} bytes it may have (${size} bytes stored); nothing was read`, {
    context: { object: where },
  });
}

/** Bounded reads from a bucket registry: the same interface as a folder or an HTTP registry. */
export function bucketSource(bucket: Bucket, prefix: string): RegistrySource {
  const key = (relative: string) => (prefix ? `${prefix}/${relative}` : relative);
  return {
    location: `gs://${bucket.name}${prefix ? `/${prefix}` : ''}/`,
    async read(relativePath, maxBytes) {
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const info = await objectInfo(bucket, key(relativePath));
        if (!info) return null;
        if (info.size > maxBytes) throw tooLarge(`gs://${bucket.name}/${key(relativePath)}`, maxBytes, info.size);
        const bytes = await downloadIfMd5(bucket, key(relativePath), info.md5);
        if (bytes) return bytes;
      }
      throw new OdtError('REMOTE_UNAVAILABLE', 'the object kept changing while it was read', { context: { object: key(relativePath) } });
    },
  };
}

/**
 * A Cloud Storage client for registries (ADC or GOOGLE_APPLICATION_CREDENTIALS; STORAGE_EMULATOR_HOST
 * for local fakes), loaded on demand so a folder registry never pays for the client's start-up.
 */
export async function registryStorageClient(): Promise<Storage> {
  const { Storage } = await import('@google-cloud/storage');
  return new Storage({ retryOptions: { autoRetry: true, maxRetries: 4, totalTimeout: 120 } });
}

/**
 * The Cloud Storage for Firebase backend, `gs://bucket/prefix`: the same layout as a folder
 * registry. Version objects are create-only (ifGenerationMatch=0); the index and channel documents
 * move only by compare-and-swap on their generation, under a bucket lock object with a heartbeat.
 * So a fresh CI runner computes the next version from what is published, and two publishers never
 * lose or mix a version.
 */
export function bucketStore(bucketName: string, prefix: string, storage: Storage): RegistryStore {
  const bucket = storage.bucket(bucketName);
  const key = (relative: string) => (prefix ? `${prefix}/${relative}` : relative);
  const location = `gs://${bucketName}${prefix ? `/${prefix}` : ''}`;
  const source = bucketSource(bucket, prefix);
  const listUnder = async (relative: string): Promise<string[]> => {
    const [files] = await bucket.getFiles({ prefix: key(relative), autoPaginate: true });
    return files.map((f) => f.name.slice(key('').length));
  };
  const uncommitted = async (index: RegistryIndex): Promise<Array<{ name: string; version: string; objects: string[] }>> => {
    const found = new Map<string, { name: string; version: string; objects: string[] }>();
    for (const relative of await listUnder('')) {
      const [name, version] = relative.split('/');
      if (!name || !version || !tryParseVersion(version)) continue;
      if (index.models[name]?.versions.some((v) => v.version === version)) continue;
      const entry = found.get(`${name}/${version}`) ?? { name, version, objects: [] };
      entry.objects.push(relative);
      found.set(`${name}/${version}`, entry);
    }
    return [...found.values()];
  };
  return {
    kind: 'bucket',
    location,
    source,
    exists: async () => (await objectInfo(bucket, key(INDEX_FILE))) !== null,
    acquireLock: (options = {}) => acquireBucketLock(bucket, key('.lock'), { timeoutMs: options.timeoutMs }),
    async readIndex() {
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const info = await objectInfo(bucket, key(INDEX_FILE));
        if (!info) return { index: emptyIndex(), token: '0' };
        const bytes = await downloadIfMd5(bucket, key(INDEX_FILE), info.md5);
        if (bytes) return { index: parseIndex(bytes.toString('utf8'), `${location}/${INDEX_FILE}`), token: info.generation };
      }
      throw corrupt('the bucket index kept changing while it was read', { index: `${location}/${INDEX_FILE}` });
    },
    async commitIndex(index, token, lock) {
      await lock.assertHeld();
      const bytes = Buffer.from(`${JSON.stringify(RegistryIndexSchema.parse(index), null, 2)}\n`);
      const result = await putIfGeneration(bucket, key(INDEX_FILE), bytes, token ?? '0', 'application/json');
      if (result === 'conflict') {
        throw new OdtError('VERSION_CONFLICT', 'the bucket index changed since it was read; nothing was committed', {
          context: { index: `${location}/${INDEX_FILE}`, expectedGeneration: token },
          suggestion: 'Another writer committed meanwhile (its lock expired on us). Re-run: the version rule reads the new index.',
        });
      }
    },
    async writeVersion(name, version, files, lock) {
      for (const [file, bytes] of files) {
        await lock.assertHeld();
        const path = key(`${name}/${version}/${file}`);
        const result = await putIfGeneration(bucket, path, bytes, '0', contentTypeOf(file));
        if (result === 'conflict') {
          const existing = await objectInfo(bucket, path);
          if (existing?.md5 === md5Base64(bytes)) continue;
          throw new OdtError('VERSION_CONFLICT', `gs://${bucketName}/${path} already holds other bytes and is never rewritten`, { context: { object: path } });
        }
      }
    },
    async removeVersion(name, version) {
      for (const relative of await listUnder(`${name}/${version}/`)) await bucket.file(key(relative)).delete().catch(() => undefined);
    },
    async writeChannelDocument(name, channel, bytes, lock) {
      await lock.assertHeld();
      const path = key(channelDocumentPath(name, channel));
      const current = await objectInfo(bucket, path);
      const result = await putIfGeneration(bucket, path, bytes, current?.generation ?? '0', 'application/json');
      if (result === 'conflict') throw new OdtError('VERSION_CONFLICT', `the channel document ${path} moved while this writer held the lock`, { context: { object: path } });
    },
    async cleanLeftovers(index) {
      const removed: string[] = [];
      for (const { name, version, objects } of await uncommitted(index)) {
        for (const relative of objects) await bucket.file(key(relative)).delete().catch(() => undefined);
        removed.push(`${name}/${version}`);
      }
      return removed;
    },
    async listVersionFiles(name, version) {
      return (await listUnder(`${name}/${version}/`)).map((relative) => relative.slice(`${name}/${version}/`.length));
    },
    async listLeftovers(index) {
      return (await uncommitted(index)).map(({ name, version }) => `uncommitted version objects (publish interrupted): ${name}/${version}`);
    },
    async describeFailure(error) {
      if (isOdtError(error)) return error;
      const status = statusOf(error);
      const message = (error as Error)?.message ?? String(error);
      if (status === 401 || status === 403) {
        return new OdtError('CREDENTIALS', `the bucket refused the credentials (${status}): ${message}`, {
          context: { registry: location },
          suggestion: 'Grant the service account "Storage Object Admin" on the bucket (roles/storage.objectAdmin) and set GOOGLE_APPLICATION_CREDENTIALS.',
          cause: error,
        });
      }
      if (status === 404) return new OdtError('REMOTE_REJECTED', `the bucket ${bucketName} does not exist or is not visible: ${message}`, { context: { registry: location }, cause: error });
      if (status === 412) return new OdtError('VERSION_CONFLICT', `another writer changed ${location} meanwhile: ${message}`, { cause: error });
      if (status === undefined || status === 429 || status >= 500) {
        return new OdtError('REMOTE_UNAVAILABLE', `the bucket did not answer: ${message}`, { context: { registry: location }, cause: error });
      }
      return error;
    },
  };
}
