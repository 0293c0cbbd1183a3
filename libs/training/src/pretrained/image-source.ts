import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-node';
import { OdtError } from '@odt/cli-kit';
import type { PretrainedModelConfig } from '@odt/contract';
import { datasetHash, loadArraySource, requireLabels } from '../datasets/load-dataset.ts';
import { requireDatasetPath, unreadable } from '../datasets/dataset-paths.ts';
import { decodeImageFile } from '../datasets/decode-image.ts';
import { listLabelImages } from '../datasets/label-folders.ts';
import type { Dataset } from '../datasets/dataset.ts';

/**
 * The samples of a pretrained-base config, read in batches at inputShape: a dataset resized to
 * 96x96x3 would not fit in memory whole (10,000 digits are 1.1 GB of float32), so only the
 * stored form is kept (the digits as 28x28x1, or just the file list) and each batch is decoded,
 * channel-converted and resized on demand.
 */
export interface ImageSource {
  count: number;
  labels: Int32Array;
  description: string;
  /** sha256 of the data as stored (samples and labels, or every file's path, label and bytes). */
  hash: string;
  /** Images [n, H, W, C] in [0, 1] at inputShape, in the order of `indices`. */
  read(indices: ArrayLike<number>): Promise<tf.Tensor4D>;
}

const CHANNELS: Record<number, string> = { 1: 'grey', 3: 'RGB', 4: 'RGBA' };

/** Bilinear with half-pixel centres (TF2's tf.image.resize), skipped when the size already fits. */
export function resizeTo(images: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  if (images.shape[1] === height && images.shape[2] === width) return images.clone();
  return tf.image.resizeBilinear(images, [height, width], false, true);
}

/** Grey to RGB (copied) or RGBA (opaque alpha), as TensorFlow's image decoder converts. */
function greyTo(images: tf.Tensor4D, channels: number): tf.Tensor4D {
  if (channels === 1) return images.clone();
  const rgb = tf.tile(images, [1, 1, 1, 3]);
  return channels === 3 ? rgb : tf.concat([rgb, tf.onesLike(images)], 3);
}

/** Digits or IDX images: kept as stored, converted and resized per batch. */
function arraySource(dataset: Dataset, config: PretrainedModelConfig, convertChannels: boolean): ImageSource {
  const [height, width, channels] = config.inputShape;
  const [h, w, stored] = dataset.sampleShape;
  if (stored !== channels && !convertChannels) {
    throw new OdtError('DATASET_MISMATCH', `${dataset.description} has ${stored} channel(s) (${CHANNELS[stored]}) but inputShape asks for ${channels} (${CHANNELS[channels]})`, {
      suggestion: `Set "convertChannels": true in dataset to convert them while loading, or change inputShape's channels to ${stored} if the base takes that.`,
    });
  }
  const size = h * w * stored;
  return {
    count: dataset.count,
    labels: dataset.labels,
    description: `${dataset.description}, resized to ${height}x${width}x${channels}`,
    hash: datasetHash(dataset),
    read: async (indices) => {
      const block = new Float32Array(indices.length * size);
      for (let i = 0; i < indices.length; i++) block.set(dataset.images.subarray(indices[i]! * size, (indices[i]! + 1) * size), i * size);
      return tf.tidy(() => resizeTo(greyTo(tf.tensor4d(block, [indices.length, h, w, stored]), channels), height, width));
    },
  };
}

/** An image folder: files listed and hashed now, decoded per batch (undecodable ones refused by name). */
async function folderSource(root: string, config: PretrainedModelConfig, convertChannels: boolean): Promise<ImageSource> {
  const [height, width, channels] = config.inputShape;
  const files = await listLabelImages(root, config.labels);
  const hash = createHash('sha256');
  for (const file of files) {
    const bytes = await readFile(file.path).catch((cause: unknown) => Promise.reject(unreadable(file.path, cause)));
    hash.update(`${relative(root, file.path)}\0${file.label}\0${createHash('sha256').update(bytes).digest('hex')}\n`);
  }
  return {
    count: files.length,
    labels: Int32Array.from(files, (f) => f.label),
    description: `image folder (${files.length} images), resized to ${height}x${width}x${channels}`,
    hash: hash.digest('hex'),
    read: async (indices) => {
      const images: tf.Tensor4D[] = [];
      try {
        for (const index of Array.from(indices)) {
          const decoded = await decodeImageFile(files[index]!.path, channels, convertChannels);
          images.push(tf.tidy(() => resizeTo(tf.div(tf.expandDims(decoded.toFloat(), 0), 255) as tf.Tensor4D, height, width)));
          decoded.dispose();
        }
        return tf.concat(images, 0);
      } finally {
        tf.dispose(images);
      }
    },
  };
}

/**
 * Opens the config's dataset for a pretrained base: every source is resized to inputShape
 * (bilinear, half-pixel centres) and a channel mismatch is refused unless convertChannels.
 */
export async function openImageSource(config: PretrainedModelConfig, configDir: string): Promise<ImageSource> {
  const ds = config.dataset;
  const convert = ds.convertChannels ?? false;
  if (ds.source === 'image-folder') return folderSource(await requireDatasetPath(resolve(configDir, ds.path), 'path', 'folder'), config, convert);
  const dataset = await loadArraySource(ds, configDir);
  requireLabels(dataset, config.labels);
  return arraySource(dataset, config, convert);
}
