import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-node';
import { OdtError } from '@odt/cli-kit';
import type { Dataset } from './dataset.ts';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/**
 * A folder with one sub-folder per label (`digits/3/*.png`), decoded by tfjs-node. Every image
 * must already have the configured size: resizing silently would train on data the phone never
 * sees, so a wrong size is an error naming the file.
 */
export async function loadImageFolder(root: string, labels: string[], shape: [number, number, number]): Promise<Dataset> {
  const entries = await readdir(root, { withFileTypes: true });
  const unknown = entries.filter((e) => e.isDirectory() && !labels.includes(e.name)).map((e) => e.name);
  if (unknown.length > 0) {
    throw new OdtError('DATASET_MISMATCH', `${root} has sub-folders that are not labels: ${unknown.join(', ')}`, {
      suggestion: `Name sub-folders after the config's labels (${labels.join(', ')}) or add the label to the config.`,
    });
  }
  const [height, width, channels] = shape;
  const files: Array<{ path: string; label: number }> = [];
  for (const [label, name] of labels.entries()) {
    const dir = join(root, name);
    if (!(await stat(dir).catch(() => null))?.isDirectory()) continue;
    for (const file of (await readdir(dir)).sort()) {
      if (IMAGE_EXTENSIONS.has(extname(file).toLowerCase())) files.push({ path: join(dir, file), label });
    }
  }
  if (files.length === 0) {
    throw new OdtError('DATASET_NOT_FOUND', `${root} holds no PNG or JPEG images in label sub-folders`, {
      suggestion: `Put images under ${root}/<label>/ with labels ${labels.join(', ')}.`,
    });
  }
  const pixels = height * width * channels;
  const images = new Float32Array(files.length * pixels);
  const labelIds = new Int32Array(files.length);
  for (const [i, file] of files.entries()) {
    const decoded = decode(await readFile(file.path), file.path, channels);
    const [h, w] = decoded.shape;
    if (h !== height || w !== width) {
      decoded.dispose();
      throw new OdtError('DATASET_MISMATCH', `${file.path} is ${w}x${h} but the config's inputShape is ${width}x${height}`, {
        suggestion: 'Resize the images to the configured size, or change inputShape in the config to match the data.',
      });
    }
    images.set(decoded.dataSync(), i * pixels);
    decoded.dispose();
    labelIds[i] = file.label;
  }
  for (let i = 0; i < images.length; i++) images[i] = images[i]! / 255;
  return { images, labels: labelIds, count: files.length, sampleShape: shape, description: `image folder (${files.length} images)` };
}

function decode(bytes: Buffer, path: string, channels: number): tf.Tensor3D {
  try {
    return tf.node.decodeImage(bytes, channels, 'int32', false) as tf.Tensor3D;
  } catch (cause) {
    throw new OdtError('DATASET_CORRUPT', `${path} could not be decoded as PNG/JPEG`, { cause, suggestion: 'Remove or re-export the damaged image.' });
  }
}
