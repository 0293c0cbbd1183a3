import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { OdtError } from '@odt/cli-kit';
import type { RegistryIndex } from '@odt/contract';
import { INDEX_FILE, parseIndex } from './registry-index-store.ts';

/** Where a pull reads from: a registry folder or a registry served over HTTP(S). */
export interface RegistrySource {
  readonly location: string;
  /** Bytes of a file relative to the registry root, or null when it does not exist. */
  read(relativePath: string): Promise<Buffer | null>;
}

/** A folder registry on disk (or a mounted share). */
export function localSource(root: string): RegistrySource {
  const base = resolve(root);
  return {
    location: base,
    async read(relativePath) {
      try {
        return await readFile(join(base, ...relativePath.split('/')));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return null;
        throw error;
      }
    },
  };
}

/** A registry served over HTTP(S), e.g. by `serve`, a static host or a bucket website. */
export function httpSource(url: string, timeoutMs = 60_000): RegistrySource {
  const base = url.endsWith('/') ? url : `${url}/`;
  return {
    location: base,
    async read(relativePath) {
      const target = new URL(relativePath.split('/').map(encodeURIComponent).join('/'), base);
      let response: Response;
      try {
        response = await fetch(target, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
      } catch (cause) {
        throw new OdtError('REMOTE_UNAVAILABLE', 'the registry server did not answer', { context: { url: target.href }, cause });
      }
      if (response.status === 404) return null;
      if (!response.ok) {
        throw new OdtError('REMOTE_UNAVAILABLE', `the registry server answered ${response.status}`, { context: { url: target.href } });
      }
      return Buffer.from(await response.arrayBuffer());
    },
  };
}

/** Picks the source kind from the text: http(s) URLs go over the network, anything else is a path. */
export function sourceFor(from: string): RegistrySource {
  return /^https?:\/\//i.test(from) ? httpSource(from) : localSource(from);
}

/** Reads and validates the index of any source; a registry without one has nothing to pull. */
export async function readSourceIndex(source: RegistrySource): Promise<RegistryIndex> {
  const bytes = await source.read(INDEX_FILE);
  if (!bytes) throw new OdtError('NOT_FOUND', 'the registry has no index.json (nothing was published there)', { context: { registry: source.location } });
  return parseIndex(bytes.toString('utf8'), `${source.location}${source.location.endsWith('/') ? '' : '/'}${INDEX_FILE}`);
}
