import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { OdtError } from '@odt/cli-kit';
import type { Dataset } from './dataset.ts';

const IMAGES_MAGIC = 0x00000803; // unsigned byte, 3 dimensions
const LABELS_MAGIC = 0x00000801; // unsigned byte, 1 dimension

/** Reads an IDX file, gunzipping `.gz` (detected by magic bytes, not by name). */
async function readIdx(path: string): Promise<Buffer> {
  const raw = await readFile(path);
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (cause) {
      throw new OdtError('DATASET_CORRUPT', `${path} is a truncated or damaged gzip file`, { cause });
    }
  }
  return raw;
}

function corrupt(path: string, why: string): OdtError {
  return new OdtError('DATASET_CORRUPT', `${path} is not a valid IDX file: ${why}`, {
    suggestion: 'Use MNIST/EMNIST IDX files (e.g. train-images-idx3-ubyte[.gz] with train-labels-idx1-ubyte[.gz]) and check they downloaded completely.',
  });
}

/**
 * MNIST/EMNIST IDX files (images idx3-ubyte + labels idx1-ubyte, `.gz` accepted): the format
 * real digit corpora ship in. Sizes in the headers are checked against the bytes present so a
 * truncated download fails with a clear error instead of training on garbage.
 */
export async function loadIdx(imagesPath: string, labelsPath: string): Promise<Dataset> {
  const imgs = await readIdx(imagesPath);
  const lbls = await readIdx(labelsPath);
  if (imgs.length < 16 || imgs.readUInt32BE(0) !== IMAGES_MAGIC) throw corrupt(imagesPath, 'bad header (expected magic 0x00000803)');
  if (lbls.length < 8 || lbls.readUInt32BE(0) !== LABELS_MAGIC) throw corrupt(labelsPath, 'bad header (expected magic 0x00000801)');
  const count = imgs.readUInt32BE(4);
  const rows = imgs.readUInt32BE(8);
  const cols = imgs.readUInt32BE(12);
  const expected = 16 + count * rows * cols;
  if (imgs.length !== expected) throw corrupt(imagesPath, `header promises ${count} images of ${rows}x${cols} (${expected} bytes) but the file has ${imgs.length} bytes (truncated?)`);
  const labelCount = lbls.readUInt32BE(4);
  if (lbls.length !== 8 + labelCount) throw corrupt(labelsPath, `header promises ${labelCount} labels but the file has ${lbls.length - 8} (truncated?)`);
  if (labelCount !== count) {
    throw new OdtError('DATASET_MISMATCH', `${imagesPath} has ${count} images but ${labelsPath} has ${labelCount} labels`, {
      suggestion: 'Pair the images file with the labels file of the same split.',
    });
  }
  const images = new Float32Array(count * rows * cols);
  for (let i = 0; i < images.length; i++) images[i] = imgs[16 + i]! / 255;
  const labels = Int32Array.from(lbls.subarray(8));
  return { images, labels, count, sampleShape: [rows, cols, 1], description: `IDX ${count} images of ${rows}x${cols}` };
}
