import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isOdtError } from '@odt/cli-kit';
import { loadIdx } from './idx.ts';
import { encodeIdx, tempDir, writeDigitsIdx } from '../test-fixtures.ts';

/** The error loadIdx rejects with (or a marker error when it loads). */
const loadError = (images: string, labels: string) => loadIdx(images, labels).then(() => new Error('expected a refusal'), (e: unknown) => e as Error);

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
    const error = await loadError(join(dir, names.images), join(dir, names.labels));
    expect(isOdtError(error, 'DATASET_CORRUPT')).toBe(true);
    expect(error.message).toMatch(/header promises 20 images of 28x28 \(15,696 bytes\) but the file has 15,596 bytes \(truncated\?\)/);
  });

  it('rejects a file that is not IDX at all', async () => {
    const dir = await tempDir();
    const names = await writeDigitsIdx(dir, 1);
    await writeFile(join(dir, 'junk'), 'hello world, not an idx file');
    const error = await loadError(join(dir, 'junk'), join(dir, names.labels));
    expect(isOdtError(error, 'DATASET_CORRUPT')).toBe(true);
    expect(error.message).toContain('bad header (expected magic 0x00000803)');
  });

  it('refuses an IDX file with no images as DATASET_CORRUPT "no samples"', async () => {
    const dir = await tempDir();
    const empty = encodeIdx(new Float32Array(0), new Int32Array(0), 28, 28);
    await writeFile(join(dir, 'images'), empty.images);
    await writeFile(join(dir, 'labels'), empty.labels);
    const error = await loadError(join(dir, 'images'), join(dir, 'labels'));
    expect(isOdtError(error, 'DATASET_CORRUPT')).toBe(true);
    expect(error.message).toBe(`${join(dir, 'images')} holds no samples: its header says 0 images of 28x28`);
  });

  it('stops inflating a gzip bomb at the size its header promises', async () => {
    const dir = await tempDir();
    const header = encodeIdx(new Float32Array(784 * 10), new Int32Array(10), 28, 28).images.subarray(0, 16);
    // 10 images promised (7,856 bytes), 64 MiB of zeros delivered (a ~64 KiB file).
    await writeFile(join(dir, 'bomb.gz'), gzipSync(Buffer.concat([header, Buffer.alloc(64 * 1024 ** 2)])));
    const names = await writeDigitsIdx(dir, 1);
    const error = await loadError(join(dir, 'bomb.gz'), join(dir, names.labels));
    expect(isOdtError(error, 'DATASET_CORRUPT')).toBe(true);
    expect(error.message).toContain('decompresses to more than the 7,856 bytes its header promises (10 images of 28x28); refused at that cap without reading the rest');
  });

  it('refuses a header promising more than the dataset limit before reading on', async () => {
    const dir = await tempDir();
    const header = Buffer.alloc(16);
    header.writeUInt32BE(0x803, 0);
    header.writeUInt32BE(0xffffffff, 4);
    header.writeUInt32BE(28, 8);
    header.writeUInt32BE(28, 12);
    await writeFile(join(dir, 'huge.gz'), gzipSync(Buffer.concat([header, Buffer.alloc(1024 ** 2)])));
    const names = await writeDigitsIdx(dir, 1);
    const error = await loadError(join(dir, 'huge.gz'), join(dir, names.labels));
    expect(isOdtError(error, 'DATASET_MISMATCH')).toBe(true);
    expect(error.message).toContain("huge.gz's header promises 4,294,967,295 images of 28x28 (3.1 TiB), above the limit of 1.0 GiB of pixel data");
  });

  it('refuses a damaged gzip stream and a gzip of zeros with no IDX header', async () => {
    const dir = await tempDir();
    const names = await writeDigitsIdx(dir, 2, true);
    const gz = await readFile(join(dir, names.images));
    await writeFile(join(dir, 'cut.gz'), gz.subarray(0, gz.length / 2));
    expect((await loadError(join(dir, 'cut.gz'), join(dir, names.labels))).message).toContain('truncated or damaged gzip file');
    await writeFile(join(dir, 'zeros.gz'), gzipSync(Buffer.alloc(16 * 1024 ** 2)));
    expect((await loadError(join(dir, 'zeros.gz'), join(dir, names.labels))).message).toContain('bad header');
  });
});
