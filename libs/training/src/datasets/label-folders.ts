import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { OdtError } from '@odt/cli-kit';
import { unreadable } from './dataset-paths.ts';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/** One image of an image-folder dataset and the index of its label. */
export interface LabelledFile {
  path: string;
  label: number;
}

/** The image files of one label folder (sorted), or why the folder has none. */
async function imagesOf(dir: string): Promise<{ files: string[] } | { missing: string }> {
  const info = await stat(dir).catch((cause: NodeJS.ErrnoException) => (cause.code === 'ENOENT' ? null : Promise.reject(unreadable(dir, cause))));
  if (!info) return { missing: `${dir} does not exist` };
  if (!info.isDirectory()) return { missing: `${dir} is not a folder` };
  const entries = await readdir(dir, { withFileTypes: true }).catch((cause: unknown) => Promise.reject(unreadable(dir, cause)));
  const files = entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
    .map((e) => join(dir, e.name))
    .sort();
  return files.length > 0 ? { files } : { missing: `${dir} holds no PNG or JPEG images` };
}

/**
 * Lists `root/<label>/*.png|jpg` for every label. A sub-folder that is not a label, or a label
 * with no images, is refused naming the folder: a class without samples would still get an
 * output unit that training can only push towards zero, and the test figures would not show it.
 */
export async function listLabelImages(root: string, labels: readonly string[]): Promise<LabelledFile[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch((cause: unknown) => Promise.reject(unreadable(root, cause)));
  const unknown = entries.filter((e) => e.isDirectory() && !labels.includes(e.name)).map((e) => e.name);
  if (unknown.length > 0) {
    throw new OdtError('DATASET_MISMATCH', `${root} has sub-folders that are not labels: ${unknown.join(', ')}`, {
      suggestion: `Name sub-folders after the config's labels (${labels.join(', ')}) or add the label to the config.`,
    });
  }
  const files: LabelledFile[] = [];
  const empty: string[] = [];
  for (const [label, name] of labels.entries()) {
    const found = await imagesOf(join(root, name));
    if ('missing' in found) empty.push(`label "${name}": ${found.missing}`);
    else files.push(...found.files.map((path) => ({ path, label })));
  }
  if (files.length === 0) {
    throw new OdtError('DATASET_NOT_FOUND', `${root} holds no PNG or JPEG images in label sub-folders`, {
      suggestion: `Put images under ${root}/<label>/ with labels ${labels.join(', ')}.`,
    });
  }
  if (empty.length > 0) {
    throw new OdtError('DATASET_MISMATCH', `${empty.length} label(s) have no images:\n  - ${empty.join('\n  - ')}`, {
      suggestion: 'Every label needs at least one image: add images to the folder, or remove the label from `labels` (and size the last head layer to match).',
    });
  }
  return files;
}
