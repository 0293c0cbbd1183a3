import { OdtError } from '@odt/cli-kit';
import { formatBytes, formatCount } from '@odt/contract';
import type { Dataset } from './dataset.ts';
import { MAX_DATASET_FLOAT_BYTES } from './dataset-limits.ts';
import { decodeImageFile } from './decode-image.ts';
import { listLabelImages } from './label-folders.ts';

/**
 * A folder with one sub-folder per label (`digits/3/*.png`), decoded by tfjs-node. Every image
 * must already have the configured size and channel count: resizing or converting silently
 * would train on data the phone never sees, so a mismatch is an error naming the file
 * (channels may be converted when the config asks for it with `convertChannels`).
 */
export async function loadImageFolder(
  root: string,
  labels: string[],
  shape: [number, number, number],
  options: { convertChannels?: boolean } = {},
): Promise<Dataset> {
  const files = await listLabelImages(root, labels);
  const [height, width, channels] = shape;
  const pixels = height * width * channels;
  if (files.length * pixels * 4 > MAX_DATASET_FLOAT_BYTES) {
    throw new OdtError('DATASET_MISMATCH', `${root} has ${formatCount(files.length)} images of ${shape.join('x')}: ${formatBytes(files.length * pixels * 4)} as float32, above the limit of ${formatBytes(MAX_DATASET_FLOAT_BYTES)}`, {
      suggestion: 'Train on fewer images or a smaller inputShape.',
    });
  }
  const images = new Float32Array(files.length * pixels);
  const labelIds = new Int32Array(files.length);
  for (const [i, file] of files.entries()) {
    const decoded = await decodeImageFile(file.path, channels, options.convertChannels ?? false);
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
