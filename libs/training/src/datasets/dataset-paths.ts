import { stat } from 'node:fs/promises';
import { OdtError } from '@odt/cli-kit';

const RELATIVE_HINT = "Fix the path in the config (relative paths are resolved from the config file's folder).";

/** A dataset read failure (EACCES, EISDIR, ...) as the user error it is, naming the path. */
export function unreadable(path: string, cause: unknown): OdtError {
  const code = (cause as NodeJS.ErrnoException)?.code ?? 'unknown error';
  return new OdtError('DATASET_NOT_FOUND', `${path} cannot be read (${code})`, {
    cause,
    suggestion: 'Check the file exists and is readable by this user.',
  });
}

/**
 * Checks a dataset path from the config exists and is the kind the source needs (an IDX file,
 * an image folder), so a folder given for a file, or the reverse, is a clear DATASET_NOT_FOUND
 * naming the field instead of an EISDIR/ENOTDIR crash.
 */
export async function requireDatasetPath(path: string, field: string, kind: 'file' | 'folder'): Promise<string> {
  const info = await stat(path).catch((cause: NodeJS.ErrnoException) => {
    if (cause.code === 'ENOENT' || cause.code === 'ENOTDIR') {
      throw new OdtError('DATASET_NOT_FOUND', `dataset.${field} points to ${path}, which does not exist`, { suggestion: RELATIVE_HINT });
    }
    throw unreadable(path, cause);
  });
  if (kind === 'file' && !info.isFile()) {
    const what = info.isDirectory() ? 'a folder' : 'not a regular file';
    throw new OdtError('DATASET_NOT_FOUND', `dataset.${field} points to ${path}, which is ${what}; it must be an IDX file`, {
      suggestion: `Point dataset.${field} at the IDX file itself (e.g. train-${field}-idx${field === 'images' ? 3 : 1}-ubyte.gz), not the folder holding it.`,
    });
  }
  if (kind === 'folder' && !info.isDirectory()) {
    throw new OdtError('DATASET_NOT_FOUND', `dataset.${field} points to ${path}, which is a file; it must be a folder with one sub-folder per label`, {
      suggestion: `Point dataset.${field} at the folder that holds the label sub-folders (<path>/<label>/*.png).`,
    });
  }
  return path;
}
