import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOdtError } from '@odt/cli-kit';
import { loadDataset } from './load-dataset.ts';
import { encodeIdx, smallConfig, tempDir, writeDigitsIdx } from '../test-fixtures.ts';

const loadError = (...args: Parameters<typeof loadDataset>) => loadDataset(...args).then(() => new Error('expected a refusal'), (e: unknown) => e as Error);

describe('loadDataset', () => {
  it('refuses a folder where an IDX file is expected with DATASET_NOT_FOUND naming the field', async () => {
    const dir = await tempDir();
    const names = await writeDigitsIdx(dir, 1);
    await mkdir(join(dir, 'images-folder'));
    const error = await loadError(smallConfig({ source: 'idx', images: 'images-folder', labels: names.labels }), dir);
    expect(isOdtError(error, 'DATASET_NOT_FOUND')).toBe(true);
    expect(error.message).toBe(`dataset.images points to ${join(dir, 'images-folder')}, which is a folder; it must be an IDX file`);
  });

  it('refuses a file where the image folder is expected', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'digits.zip'), 'PK');
    const error = await loadError(smallConfig({ source: 'image-folder', path: 'digits.zip' }), dir);
    expect(isOdtError(error, 'DATASET_NOT_FOUND')).toBe(true);
    expect(error.message).toBe(`dataset.path points to ${join(dir, 'digits.zip')}, which is a file; it must be a folder with one sub-folder per label`);
  });

  it('refuses data with no sample for a configured label', async () => {
    const dir = await tempDir();
    const labels = Int32Array.from({ length: 18 }, (_, i) => i % 9);
    const idx = encodeIdx(new Float32Array(18 * 784), labels, 28, 28);
    await writeFile(join(dir, 'images'), idx.images);
    await writeFile(join(dir, 'labels'), idx.labels);
    const error = await loadError(smallConfig({ source: 'idx', images: 'images', labels: 'labels' }), dir);
    expect(isOdtError(error, 'DATASET_MISMATCH')).toBe(true);
    expect(error.message).toBe('the data has no samples for label(s) "9" (IDX 18 images of 28x28)');
  });
});
