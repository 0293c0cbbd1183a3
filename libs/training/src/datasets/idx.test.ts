import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOdtError } from '@odt/cli-kit';
import { loadIdx } from './idx.ts';
import { tempDir, writeDigitsIdx } from '../test-fixtures.ts';

describe('IDX dataset source', () => {
  it('reads plain and gzipped IDX files to the same samples', async () => {
    const dir = await tempDir();
    const plain = await writeDigitsIdx(dir, 3);
    const gz = await writeDigitsIdx(dir, 3, true);
    const a = await loadIdx(join(dir, plain.images), join(dir, plain.labels));
    const b = await loadIdx(join(dir, gz.images), join(dir, gz.labels));
    expect(a.count).toBe(30);
    expect(a.sampleShape).toEqual([28, 28, 1]);
    expect(Array.from(a.labels.slice(0, 10)).sort()).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3]);
    expect(b.images).toEqual(a.images);
    expect(Math.max(...a.images)).toBeLessThanOrEqual(1);
  });

  it('rejects a truncated images file with DATASET_CORRUPT naming the sizes', async () => {
    const dir = await tempDir();
    const names = await writeDigitsIdx(dir, 2);
    const full = await readFile(join(dir, names.images));
    await writeFile(join(dir, names.images), full.subarray(0, full.length - 100));
    const error = await loadIdx(join(dir, names.images), join(dir, names.labels)).catch((e: unknown) => e);
    expect(isOdtError(error, 'DATASET_CORRUPT')).toBe(true);
    expect((error as Error).message).toMatch(/truncated/);
  });

  it('rejects a file that is not IDX at all', async () => {
    const dir = await tempDir();
    const names = await writeDigitsIdx(dir, 1);
    await writeFile(join(dir, 'junk'), 'hello world, not an idx file');
    const error = await loadIdx(join(dir, 'junk'), join(dir, names.labels)).catch((e: unknown) => e);
    expect(isOdtError(error, 'DATASET_CORRUPT')).toBe(true);
  });
});
