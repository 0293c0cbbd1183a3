import { statfs } from 'node:fs/promises';
import { isOdtError, OdtError } from '@odt/cli-kit';

/** A registry path that cannot be created or written (permissions, a file in the way, read-only). */
export function notWritable(root: string, cause: unknown): OdtError {
  const code = (cause as NodeJS.ErrnoException)?.code ?? 'unknown';
  return new OdtError('REGISTRY_NOT_WRITABLE', `cannot write to the registry (${code})`, {
    context: { registry: root },
    cause,
  });
}

/** Something in the registry is not what the index or a manifest says it is. */
export function corrupt(message: string, context: Record<string, unknown>, cause?: unknown): OdtError {
  return new OdtError('REGISTRY_CORRUPT', message, { context, cause });
}

const errnoOf = (error: unknown): string | undefined => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
};
const isDiskFull = (error: unknown) => errnoOf(error) === 'ENOSPC' || errnoOf(error) === 'EDQUOT';

/** Bytes in a readable unit for people freeing disk space. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

async function diskFull(root: string, cause: unknown, fileSizes: readonly number[]): Promise<OdtError> {
  const fs = await statfs(root).catch(() => null);
  const block = fs?.bsize ?? 4096;
  const data = fileSizes.reduce((sum, size) => sum + size, 0);
  // Every file occupies whole blocks, so a disk needs more room than the bytes written.
  const onDisk = fileSizes.reduce((sum, size) => sum + Math.max(1, Math.ceil(size / block)) * block, 0);
  const free = fs ? fs.bavail * fs.bsize : undefined;
  const freeText = free === undefined ? '' : `; ${formatBytes(free)} is free there`;
  return new OdtError(
    'REGISTRY_NOT_WRITABLE',
    `the disk holding the registry is full (${errnoOf(cause)}): this write needs ${formatBytes(data)} in ${fileSizes.length} file(s), ` +
      `about ${formatBytes(onDisk)} of disk in ${block}-byte blocks${freeText}`,
    {
      context: { registry: root, bytesNeeded: data, diskBytesNeeded: onDisk, ...(free === undefined ? {} : { bytesFree: free }) },
      suggestion: `Free at least ${formatBytes(Math.max(onDisk - (free ?? 0), block))} on the disk holding ${root} (\`df -h ${root}\`), or point MODEL_REGISTRY at a disk with room, and re-run. Nothing was committed; earlier versions are untouched.`,
      cause,
    },
  );
}

/**
 * Turns a failed registry write into the user error it is: on a full disk (ENOSPC, EDQUOT), how
 * much room the write needs and how much is free; any other file-system error is
 * REGISTRY_NOT_WRITABLE. OdtErrors pass through (a lock's disk-full error gets the sizes);
 * anything without an errno is a bug and is returned unchanged, so it stays INTERNAL.
 */
export async function writeFailure(root: string, error: unknown, fileSizes: readonly number[]): Promise<unknown> {
  const lockWriteFailed = isOdtError(error, 'REGISTRY_NOT_WRITABLE') && isDiskFull(error.cause);
  if (isOdtError(error) && !lockWriteFailed) return error;
  const cause = lockWriteFailed ? (error as OdtError).cause : error;
  if (isDiskFull(cause)) return diskFull(root, cause, fileSizes);
  return errnoOf(cause) ? notWritable(root, cause) : error;
}
