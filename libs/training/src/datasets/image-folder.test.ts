import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOdtError } from '@odt/cli-kit';
import { loadImageFolder } from './image-folder.ts';
import { tempDir, writePng } from '../test-fixtures.ts';

/** A root with one folder per label; `images[label]` PNGs of 28x28 grey in each. */
async function labelFolders(images: Record<string, number>): Promise<string> {
  const root = await tempDir();
  for (const [label, count] of Object.entries(images)) {
    await mkdir(join(root, label));
    for (let i = 0; i < count; i++) await writePng(join(root, label, `${i}.png`), 28, 100);
  }
  return root;
}

const loadError = (...args: Parameters<typeof loadImageFolder>) => loadImageFolder(...args).then(() => new Error('expected a refusal'), (e: unknown) => e as Error);

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
    const error = await loadError(root, ['a'], [28, 28, 1]);
    expect(isOdtError(error, 'DATASET_MISMATCH')).toBe(true);
    expect(error.message).toMatch(/big\.png is 32x32 but the config's inputShape is 28x28/);
  });

  it('refuses sub-folders that are not labels', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'zebra'));
    const error = await loadError(root, ['a'], [28, 28, 1]);
    expect(isOdtError(error, 'DATASET_MISMATCH')).toBe(true);
  });

  it('refuses an RGB image for a one-channel config, naming the file and both channel counts', async () => {
    const root = await labelFolders({ a: 1, b: 1 });
    await writePng(join(root, 'b', 'colour.png'), 28, 90, 3);
    const error = await loadError(root, ['a', 'b'], [28, 28, 1]);
    expect(isOdtError(error, 'DATASET_MISMATCH')).toBe(true);
    expect(error.message).toBe(`${join(root, 'b', 'colour.png')} has 3 channels (RGB) but inputShape asks for 1 channel (grey)`);
    expect((error as { suggestion?: string }).suggestion).toContain('"convertChannels": true');
  });

  it('converts channels only when the config asks for it', async () => {
    const root = await labelFolders({ a: 1, b: 0 });
    await writePng(join(root, 'b', 'colour.png'), 28, 90, 3);
    const ds = await loadImageFolder(root, ['a', 'b'], [28, 28, 1], { convertChannels: true });
    expect(ds.count).toBe(2);
    expect(ds.images[784]).toBeCloseTo(90 / 255, 2);
  });

  it('refuses a label whose folder is empty or missing, naming the folder', async () => {
    const root = await labelFolders({ a: 2, b: 0 });
    await writeFile(join(root, 'b', 'notes.txt'), 'not an image');
    const error = await loadError(root, ['a', 'b', 'c'], [28, 28, 1]);
    expect(isOdtError(error, 'DATASET_MISMATCH')).toBe(true);
    expect(error.message).toBe(
      `2 label(s) have no images:\n  - label "b": ${join(root, 'b')} holds no PNG or JPEG images\n  - label "c": ${join(root, 'c')} does not exist`,
    );
  });

  it('refuses a folder with no images at all as DATASET_NOT_FOUND', async () => {
    const root = await labelFolders({ a: 0 });
    expect(isOdtError(await loadError(root, ['a', 'b'], [28, 28, 1]), 'DATASET_NOT_FOUND')).toBe(true);
  });
});
