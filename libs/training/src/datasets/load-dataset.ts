import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { OdtError } from '@odt/cli-kit';
import type { ModelConfig } from '@odt/contract';
import type { Dataset } from './dataset.ts';
import { requireDatasetPath } from './dataset-paths.ts';
import { loadEmbeddedMnist } from './embedded-mnist.ts';
import { loadIdx } from './idx.ts';
import { loadImageFolder } from './image-folder.ts';
import { requireSamplesPerLabel } from './require-samples.ts';

/** The in-memory sources (embedded digits, IDX) as stored, before any shape check. */
export async function loadArraySource(dataset: Exclude<ModelConfig['dataset'], { source: 'image-folder' }>, configDir: string): Promise<Dataset> {
  if (dataset.source === 'embedded-mnist') return loadEmbeddedMnist();
  const images = await requireDatasetPath(resolve(configDir, dataset.images), 'images', 'file');
  const labels = await requireDatasetPath(resolve(configDir, dataset.labels), 'labels', 'file');
  return loadIdx(images, labels);
}

async function loadSource(config: ModelConfig, configDir: string): Promise<Dataset> {
  const ds = config.dataset;
  if (ds.source !== 'image-folder') return loadArraySource(ds, configDir);
  const root = await requireDatasetPath(resolve(configDir, ds.path), 'path', 'folder');
  return loadImageFolder(root, config.labels, config.inputShape, { convertChannels: ds.convertChannels });
}

/**
 * Loads whichever source the config names and checks it against the config (sample shape,
 * label range, a sample for every label), so a mismatch is reported before a model is built.
 */
export async function loadDataset(config: ModelConfig, configDir: string): Promise<Dataset> {
  const shape = config.inputShape;
  const dataset = await loadSource(config, configDir);
  if (dataset.sampleShape.join('x') !== shape.join('x')) {
    throw new OdtError('DATASET_MISMATCH', `samples are ${dataset.sampleShape.join('x')} but inputShape is ${shape.join('x')}`, {
      suggestion: 'Set inputShape in the config to the data\'s [height, width, channels].',
    });
  }
  requireLabels(dataset, config.labels);
  return dataset;
}

/** Every label index within the config's labels, and a sample for every label. */
export function requireLabels(dataset: Dataset, labels: readonly string[]): void {
  const maxLabel = dataset.labels.reduce((m, l) => Math.max(m, l), 0);
  if (maxLabel >= labels.length) {
    throw new OdtError('DATASET_MISMATCH', `the data has label ${maxLabel} but the config lists ${labels.length} labels`, {
      suggestion: 'List every class of the data in `labels` (and size the last head layer to match).',
    });
  }
  requireSamplesPerLabel(dataset, labels);
}

/** sha256 over the samples and labels exactly as trained on: the dataset's identity in lineage. */
export function datasetHash(dataset: Dataset): string {
  return createHash('sha256')
    .update(new Uint8Array(dataset.images.buffer, dataset.images.byteOffset, dataset.images.byteLength))
    .update(new Uint8Array(dataset.labels.buffer, dataset.labels.byteOffset, dataset.labels.byteLength))
    .digest('hex');
}
