import { OdtError } from '@odt/cli-kit';
import type { Dataset } from './dataset.ts';
import { IDX_IMAGES, IDX_LABELS, readIdxFile } from './idx-reader.ts';

/**
 * MNIST/EMNIST IDX files (images idx3-ubyte + labels idx1-ubyte, `.gz` accepted): the format
 * real digit corpora ship in. Sizes in the headers are checked against the bytes present so a
 * truncated download fails with a clear error instead of training on garbage, and reading
 * stops at the size the header promises (see readIdxFile).
 */
export async function loadIdx(imagesPath: string, labelsPath: string): Promise<Dataset> {
  const imgs = await readIdxFile(imagesPath, IDX_IMAGES);
  const lbls = await readIdxFile(labelsPath, IDX_LABELS);
  const [count, rows, cols] = imgs.dims as [number, number, number];
  const labelCount = lbls.dims[0]!;
  if (count === 0 || rows === 0 || cols === 0) {
    throw new OdtError('DATASET_CORRUPT', `${imagesPath} holds no samples: its header says ${count} images of ${rows}x${cols}`, {
      suggestion: 'Export the dataset again with its images, or point dataset.images at the right file.',
    });
  }
  if (labelCount !== count) {
    throw new OdtError('DATASET_MISMATCH', `${imagesPath} has ${count} images but ${labelsPath} has ${labelCount} labels`, {
      suggestion: 'Pair the images file with the labels file of the same split.',
    });
  }
  const images = new Float32Array(count * rows * cols);
  for (let i = 0; i < images.length; i++) images[i] = imgs.data[i]! / 255;
  const labels = Int32Array.from(lbls.data);
  return { images, labels, count, sampleShape: [rows, cols, 1], description: `IDX ${count} images of ${rows}x${cols}` };
}
