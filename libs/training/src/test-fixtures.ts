import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-node';
import type { ModelConfig } from '@odt/contract';
import { ModelConfigSchema } from '@odt/contract';
import { loadEmbeddedMnist } from './datasets/embedded-mnist.ts';

/** Test-only helpers: small real data (a slice of the embedded digits) written as IDX files. */
export async function tempDir(prefix = 'odt-training-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Encodes images (floats in [0,1]) and labels as IDX byte files, optionally gzipped. */
export function encodeIdx(images: Float32Array, labels: Int32Array, rows: number, cols: number): { images: Buffer; labels: Buffer } {
  const count = labels.length;
  const img = Buffer.alloc(16 + count * rows * cols);
  img.writeUInt32BE(0x803, 0);
  img.writeUInt32BE(count, 4);
  img.writeUInt32BE(rows, 8);
  img.writeUInt32BE(cols, 12);
  for (let i = 0; i < count * rows * cols; i++) img[16 + i] = Math.round(images[i]! * 255);
  const lbl = Buffer.alloc(8 + count);
  lbl.writeUInt32BE(0x801, 0);
  lbl.writeUInt32BE(count, 4);
  labels.forEach((l, i) => (lbl[8 + i] = l));
  return { images: img, labels: lbl };
}

/** Writes `perDigit` real digits of each class as IDX files into `dir`; returns their names. */
export async function writeDigitsIdx(dir: string, perDigit: number, gzip = false): Promise<{ images: string; labels: string }> {
  const mnist = await loadEmbeddedMnist();
  const picked: number[] = [];
  const seen = new Array<number>(10).fill(0);
  for (let i = 0; i < mnist.count && picked.length < perDigit * 10; i++) {
    const l = mnist.labels[i]!;
    if (seen[l]! < perDigit) {
      seen[l]! += 1;
      picked.push(i);
    }
  }
  const images = new Float32Array(picked.length * 784);
  picked.forEach((src, i) => images.set(mnist.images.subarray(src * 784, (src + 1) * 784), i * 784));
  const labels = Int32Array.from(picked, (i) => mnist.labels[i]!);
  const idx = encodeIdx(images, labels, 28, 28);
  const names = gzip ? { images: 'images-idx3-ubyte.gz', labels: 'labels-idx1-ubyte.gz' } : { images: 'images-idx3-ubyte', labels: 'labels-idx1-ubyte' };
  await writeFile(join(dir, names.images), gzip ? gzipSync(idx.images) : idx.images);
  await writeFile(join(dir, names.labels), gzip ? gzipSync(idx.labels) : idx.labels);
  return names;
}

/** Writes a size x size PNG filled with `value` (0-255) in every one of its `channels`. */
export async function writePng(path: string, size: number, value: number, channels: 1 | 3 | 4 = 1): Promise<void> {
  const pixels = tf.fill([size, size, channels], value, 'int32');
  await writeFile(path, await tf.node.encodePng(pixels as tf.Tensor3D));
  pixels.dispose();
}

/** The server and device training settings every test config shares: fast, seeded, small batches. */
export const TEST_TRAINING = {
  loss: 'categoricalCrossentropy',
  optimizer: { type: 'adam', learningRate: 0.01 },
  deviceOptimizer: { type: 'sgd', learningRate: 0.05 },
  deviceTrainBatchSize: 8,
  epochs: 3,
  batchSize: 32,
  validationSplit: 0.1,
  testSplit: 0.2,
  seed: 7,
} as const;

/** A small but real config: a tiny conv base and dense head, two epochs, IDX data. */
export function smallConfig(dataset: ModelConfig['dataset'], overrides: Record<string, unknown> = {}): ModelConfig {
  return ModelConfigSchema.parse({
    name: 'digits-test',
    dataset,
    inputShape: [28, 28, 1],
    labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    architecture: {
      base: [
        { type: 'conv2d', filters: 4, kernelSize: 3, strides: 2, activation: 'relu' },
        { type: 'flatten' },
        { type: 'dense', units: 16, activation: 'relu' },
      ],
      head: [
        { type: 'dense', units: 8, activation: 'relu' },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
    },
    ...TEST_TRAINING,
    ...overrides,
  });
}
