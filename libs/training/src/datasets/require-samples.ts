import { OdtError } from '@odt/cli-kit';
import type { Dataset } from './dataset.ts';
import type { Split } from './split.ts';

/**
 * Refuses data that cannot train the configured classifier: no samples at all, or a label
 * with none (its output unit could only be pushed towards zero, and the test figures would
 * hide it). Runs for every source, after loading.
 */
export function requireSamplesPerLabel(dataset: Dataset, labels: readonly string[]): void {
  if (dataset.count === 0) {
    throw new OdtError('DATASET_CORRUPT', `the dataset (${dataset.description}) holds no samples`, { suggestion: 'Point the config at a dataset with images in it.' });
  }
  const perLabel = new Array<number>(labels.length).fill(0);
  for (const label of dataset.labels) perLabel[label]! += 1;
  const empty = labels.filter((_, i) => perLabel[i] === 0).map((name) => `"${name}"`);
  if (empty.length > 0) {
    throw new OdtError('DATASET_MISMATCH', `the data has no samples for label(s) ${empty.join(', ')} (${dataset.description})`, {
      suggestion: 'Every label needs samples: add data for it, or remove it from `labels` (and size the last head layer to match).',
    });
  }
}

/** Refuses a split that leaves train, validation or test empty (too few samples for the splits). */
export function requireNonEmptySplit(split: Split, count: number, validationSplit: number, testSplit: number): void {
  const empty = (['train', 'validation', 'test'] as const).filter((part) => split[part].length === 0);
  if (empty.length > 0) {
    throw new OdtError('DATASET_MISMATCH', `${count} sample(s) are too few for validationSplit ${validationSplit} and testSplit ${testSplit}: the ${empty.join(' and ')} set would be empty`, {
      suggestion: 'Add data, or raise validationSplit/testSplit so every part gets at least one sample.',
    });
  }
}
