import { access } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { OdtError } from '@odt/cli-kit';
import type { ModelConfig } from '@odt/contract';
import type { Dataset } from './dataset.ts';
import { loadEmbeddedMnist } from './embedded-mnist.ts';
import { loadIdx } from './idx.ts';
import { loadImageFolder } from './image-folder.ts';

async function mustExist(path: string, field: string): Promise<string> {
  try {
    await access(path);
    return path;
  } catch {
    throw new OdtError('DATASET_NOT_FOUND', `dataset.${field} points to ${path}, which does not exist`, {
      suggestion: 'Fix the path in the config (relative paths are resolved from the config file\'s folder).',
    });
  }
}

/**
 * Loads whichever source the config names and checks it against the config (sample shape,
 * label range), so a mismatch is reported before a model is built.
 */
export async function loadDataset(config: ModelConfig, configDir: string): Promise<Dataset> {
  const ds = config.dataset;
  const shape = config.inputShape as [number, number, number];
  let dataset: Dataset;
  if (ds.source === 'embedded-mnist') dataset = await loadEmbeddedMnist();
  else if (ds.source === 'idx') {
    dataset = await loadIdx(await mustExist(resolve(configDir, ds.images), 'images'), await mustExist(resolve(configDir, ds.labels), 'labels'));
  } else dataset = await loadImageFolder(await mustExist(resolve(configDir, ds.path), 'path'), config.labels, shape);

  if (dataset.sampleShape.join('x') !== shape.join('x')) {
    throw new OdtError('DATASET_MISMATCH', `samples are ${dataset.sampleShape.join('x')} but inputShape is ${shape.join('x')}`, {
      suggestion: 'Set inputShape in the config to the data\'s [height, width, channels].',
    });
  }
  const maxLabel = dataset.labels.reduce((m, l) => Math.max(m, l), 0);
  if (maxLabel >= config.labels.length) {
    throw new OdtError('DATASET_MISMATCH', `the data has label ${maxLabel} but the config lists ${config.labels.length} labels`, {
      suggestion: 'List every class of the data in `labels` (and size the last head layer to match).',
    });
  }
  return dataset;
}

/** sha256 over the samples and labels exactly as trained on: the dataset's identity in lineage. */
export function datasetHash(dataset: Dataset): string {
  return createHash('sha256')
    .update(new Uint8Array(dataset.images.buffer, dataset.images.byteOffset, dataset.images.byteLength))
    .update(new Uint8Array(dataset.labels.buffer, dataset.labels.byteOffset, dataset.labels.byteLength))
    .digest('hex');
}
