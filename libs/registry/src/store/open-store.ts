import { OdtError } from '@odt/cli-kit';
import { folderStore } from './folder-store.ts';
import { httpSource, localSource, type RegistrySource } from '../registry-source.ts';
import type { RegistryStore } from './registry-store.ts';

/** `gs://bucket[/prefix]` split into its parts; null for anything else (a folder path). */
export function parseBucketLocation(location: string): { bucket: string; prefix: string } | null {
  const match = /^gs:\/\/([^/]+)\/?(.*)$/.exec(location);
  if (!match) return null;
  const bucket = match[1]!;
  const prefix = match[2]!.replace(/\/+$/, '');
  if (!/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(bucket) || prefix.split('/').some((part) => part === '..' || part === '.')) {
    throw new OdtError('USAGE', `"${location}" is not a bucket location`, { suggestion: 'Write gs://<bucket>/<prefix>, e.g. gs://my-app.appspot.com/models.' });
  }
  return { bucket, prefix };
}

/** Opens the registry a location names: `gs://bucket/prefix` is a Cloud Storage bucket, anything else a folder. */
export async function openRegistryStore(location: string): Promise<RegistryStore> {
  const bucket = parseBucketLocation(location);
  if (!bucket) return folderStore(location);
  const { bucketStore, registryStorageClient } = await import('./bucket-store.ts');
  return bucketStore(bucket.bucket, bucket.prefix, await registryStorageClient());
}

/** Where pull reads from: http(s) URL, gs://bucket/prefix, or a folder path. */
export async function openRegistrySource(from: string): Promise<RegistrySource> {
  if (/^https?:\/\//i.test(from)) return httpSource(from);
  const bucket = parseBucketLocation(from);
  if (!bucket) return localSource(from);
  const { bucketSource, registryStorageClient } = await import('./bucket-store.ts');
  return bucketSource((await registryStorageClient()).bucket(bucket.bucket), bucket.prefix);
}
