import { constants } from 'node:fs';
import { access, mkdir, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { OdtError } from '@odt/cli-kit';
import { formatBytes } from '@odt/contract';

const WHY: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  EFBIG: 'a file is larger than the file system allows',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'part of the path is a file, not a folder',
  EEXIST: 'a file is in the way where a folder is needed',
  EISDIR: 'a folder is in the way where a file is needed',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'the path has a symlink loop',
};
const OUT_OF_SPACE = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/** Free bytes on the file system holding `path` (or its nearest existing ancestor), if known. */
async function freeBytesAt(path: string): Promise<number | undefined> {
  for (let dir = path; ; dir = dirname(dir)) {
    const info = await statfs(dir).catch(() => undefined);
    if (info) return info.bavail * info.bsize;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Turns a file-system failure while writing the training outputs (full disk, read-only or
 * unwritable folder, a file in the way) into OUTPUT_NOT_WRITABLE naming the folder and, when
 * the disk is full, how much the outputs need and how much is free. Anything else is returned
 * unchanged: it is not the user's to fix.
 */
export async function outputError(error: unknown, outDir: string, neededBytes?: number): Promise<unknown> {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof OdtError || code === undefined || !(code in WHY)) return error;
  const where = (error as NodeJS.ErrnoException).path;
  // replaceDirectory says where it kept the previous outputs when it could not put them back.
  const keptAt = (error as { keptAt?: string }).keptAt;
  const kept = keptAt ? `; the previous outputs are kept at ${keptAt}` : '';
  if (OUT_OF_SPACE.has(code)) {
    const free = await freeBytesAt(outDir);
    const sizes = [neededBytes === undefined ? undefined : `the outputs need about ${formatBytes(neededBytes)}`, free === undefined ? undefined : `${formatBytes(free)} free there`];
    const figures = sizes.filter(Boolean).join(', ');
    return new OdtError('OUTPUT_NOT_WRITABLE', `cannot write the training outputs to ${outDir}: ${WHY[code]}${figures ? ` (${figures})` : ''}${kept}`, {
      cause: error,
      suggestion: 'Free disk space on that file system, or pass --out a folder on another disk, and run training again.',
    });
  }
  const at = where && where !== outDir ? ` (at ${where})` : '';
  return new OdtError('OUTPUT_NOT_WRITABLE', `cannot write the training outputs to ${outDir}: ${WHY[code]}${at}${kept}`, {
    cause: error,
    suggestion: 'Pass --out a folder you can write to, or make this one writable.',
  });
}

/**
 * Checks before training that the output's parent folder can be created and written, so a
 * read-only or misplaced --out fails in milliseconds instead of after the whole training run.
 */
export async function requireWritableOutput(outDir: string): Promise<void> {
  const parent = dirname(outDir);
  try {
    await mkdir(parent, { recursive: true });
    await access(parent, constants.W_OK);
  } catch (error) {
    throw await outputError(error, outDir);
  }
}
