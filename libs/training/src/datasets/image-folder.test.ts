import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-node';
import { describe, expect, it } from 'vitest';
import { isOdtError } from '@odt/cli-kit';
import { loadImageFolder } from './image-folder.ts';
import { tempDir } from '../test-fixtures.ts';

async function writePng(path: string, size: number, value: number): Promise<void> {
  const pixels = tf.fill([size, size, 1], value, 'int32');
  await writeFile(path, await tf.node.encodePng(pixels as tf.Tensor3D));
  pixels.dispose();
}

describe('image-folder dataset source', () => {
  it('decodes PNGs per label folder, scaled to [0, 1]', async () => {
    const root = await tempDir();
    for (const label of ['a', 'b']) await mkdir(join(root, label));
    await writePng(join(root, 'a', '1.png'), 28, 255);
    await writePng(join(root, 'b', '1.png'), 28, 51);
    await writePng(join(root, 'b', '2.png'), 28, 0);
    const ds = await loadImageFolder(root, ['a', 'b'], [28, 28, 1]);
    expect(ds.count).toBe(3);
    expect(Array.from(ds.labels)).toEqual([0, 1, 1]);
    expect(ds.images[0]).toBe(1);
    expect(ds.images[784]).toBeCloseTo(0.2, 6);
  });

  it('names the file whose size differs from inputShape', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'a'));
    await writePng(join(root, 'a', 'big.png'), 32, 10);
    const error = await loadImageFolder(root, ['a'], [28, 28, 1]).catch((e: unknown) => e);
    expect(isOdtError(error, 'DATASET_MISMATCH')).toBe(true);
    expect((error as Error).message).toMatch(/big\.png is 32x32 but the config's inputShape is 28x28/);
  });

  it('refuses sub-folders that are not labels', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'zebra'));
    const error = await loadImageFolder(root, ['a'], [28, 28, 1]).catch((e: unknown) => e);
    expect(isOdtError(error, 'DATASET_MISMATCH')).toBe(true);
  });
});
