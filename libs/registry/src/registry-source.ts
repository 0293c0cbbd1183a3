import { open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { OdtError } from '@odt/cli-kit';
import type { RegistryIndex } from '@odt/contract';
import { INDEX_FILE, parseIndex } from './registry-index-store.ts';

/**
 * The most bytes a reader accepts for each small document. A hostile or broken server must not
 * be able to exhaust memory: model files are bounded by the size their signed manifest states.
 */
export const READ_LIMITS = {
  index: 16 * 1024 * 1024,
  manifest: 1024 * 1024,
  signature: 64 * 1024,
} as const;

/** Where a pull reads from: a registry folder or a registry served over HTTP(S). */
export interface RegistrySource {
  readonly location: string;
  /**
   * Bytes of a file relative to the registry root, or null when it does not exist. More than
   * `maxBytes` is refused (INTEGRITY_FAILED) without reading the rest.
   */
  read(relativePath: string, maxBytes: number): Promise<Buffer | null>;
}

function tooLarge(where: string, maxBytes: number, seen: string): OdtError {
  return new OdtError('INTEGRITY_FAILED', `${where} is larger than the ${maxBytes} bytes it may have (${seen}); nothing was read past the limit`, {
    context: { file: where },
    suggestion: 'The registry or the server in front of it sends something other than what was published; check where --from points.',
  });
}

/** A folder registry on disk (or a mounted share); reads through one handle, never past its stat size. */
export function localSource(root: string): RegistrySource {
  const base = resolve(root);
  return {
    location: base,
    async read(relativePath, maxBytes) {
      const path = join(base, ...relativePath.split('/'));
      let handle;
      try {
        handle = await open(path, 'r');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
        throw error;
      }
      try {
        const info = await handle.stat();
        if (!info.isFile()) return null;
        if (info.size > maxBytes) throw tooLarge(path, maxBytes, `${info.size} bytes on disk`);
        // Sized from the handle's own stat (not the limit): one byte more shows a file that grew.
        const buffer = Buffer.alloc(info.size + 1);
        let length = 0;
        for (;;) {
          const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
          if (bytesRead === 0) break;
          length += bytesRead;
          if (length > info.size) throw tooLarge(path, maxBytes, 'it grew while being read');
        }
        return buffer.subarray(0, length);
      } finally {
        await handle.close();
      }
    },
  };
}

/** Reads a response body, aborting the transfer as soon as it passes maxBytes. */
async function readBounded(response: Response, where: string, maxBytes: number, abort: AbortController): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    abort.abort();
    throw tooLarge(where, maxBytes, `the server announced ${declared} bytes`);
  }
  const chunks: Buffer[] = [];
  let length = 0;
  if (!response.body) return Buffer.alloc(0);
  for await (const chunk of response.body) {
    length += chunk.byteLength;
    if (length > maxBytes) {
      abort.abort();
      throw tooLarge(where, maxBytes, 'the server kept sending');
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks, length);
}

/** A registry served over HTTP(S), e.g. by `serve`, a static host or a bucket website. */
export function httpSource(url: string, timeoutMs = 60_000): RegistrySource {
  const base = url.endsWith('/') ? url : `${url}/`;
  return {
    location: base,
    async read(relativePath, maxBytes) {
      const target = new URL(relativePath.split('/').map(encodeURIComponent).join('/'), base);
      const abort = new AbortController();
      const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(timeoutMs)]);
      let response: Response;
      try {
        response = await fetch(target, { signal, redirect: 'follow' });
      } catch (cause) {
        throw new OdtError('REMOTE_UNAVAILABLE', 'the registry server did not answer', { context: { url: target.href }, cause });
      }
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new OdtError('REMOTE_UNAVAILABLE', `the registry server answered ${response.status}`, { context: { url: target.href } });
      }
      try {
        return await readBounded(response, target.href, maxBytes, abort);
      } catch (cause) {
        if (cause instanceof OdtError) throw cause;
        throw new OdtError('REMOTE_UNAVAILABLE', 'the registry server broke off the transfer', { context: { url: target.href }, cause });
      }
    },
  };
}

/** Picks the source kind from the text: http(s) URLs go over the network, anything else is a path. */
export function sourceFor(from: string): RegistrySource {
  return /^https?:\/\//i.test(from) ? httpSource(from) : localSource(from);
}

/** Reads and validates the index of any source; a registry without one has nothing to pull. */
export async function readSourceIndex(source: RegistrySource): Promise<RegistryIndex> {
  const bytes = await source.read(INDEX_FILE, READ_LIMITS.index);
  if (!bytes) throw new OdtError('NOT_FOUND', 'the registry has no index.json (nothing was published there)', { context: { registry: source.location } });
  return parseIndex(bytes.toString('utf8'), `${source.location}${source.location.endsWith('/') ? '' : '/'}${INDEX_FILE}`);
}
