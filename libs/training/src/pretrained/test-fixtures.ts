import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-node';
import { ModelConfigSchema, type PretrainedModelConfig } from '@odt/contract';
import { loadEmbeddedMnist } from '../datasets/embedded-mnist.ts';
import { TEST_TRAINING } from '../test-fixtures.ts';

/** Test-only: the committed MobileNetV2 fixture (python-bridge/fixtures), its config, digit PNGs. */
export const FIXTURE_DIR = fileURLToPath(new URL('../../../../python-bridge/fixtures/mobilenet_v2_035_96/tfjs/', import.meta.url));

/** Copies the fixture graph model into `dir`, optionally editing its model.json first. */
export async function copyFixture(dir: string, edit?: (json: any) => void): Promise<string> {
  await mkdir(dir, { recursive: true });
  await copyFile(join(FIXTURE_DIR, 'group1-shard1of1.bin'), join(dir, 'group1-shard1of1.bin'));
  const json = JSON.parse(await readFile(join(FIXTURE_DIR, 'model.json'), 'utf8'));
  edit?.(json);
  await writeFile(join(dir, 'model.json'), JSON.stringify(json));
  return join(dir, 'model.json');
}

/** Writes `perDigit` real grey 28x28 digits per class as PNGs under root/<digit>/. */
export async function writeDigitFolder(root: string, perDigit: number): Promise<void> {
  const mnist = await loadEmbeddedMnist();
  const seen = new Array<number>(10).fill(0);
  for (let i = 0; i < mnist.count && seen.some((n) => n < perDigit); i++) {
    const label = mnist.labels[i]!;
    if (seen[label]! >= perDigit) continue;
    await mkdir(join(root, String(label)), { recursive: true });
    const pixels = tf.tidy(() => tf.tensor3d(mnist.images.subarray(i * 784, (i + 1) * 784), [28, 28, 1]).mul(255).round().toInt());
    await writeFile(join(root, String(label), `${seen[label]}.png`), await tf.node.encodePng(pixels as tf.Tensor3D));
    pixels.dispose();
    seen[label]! += 1;
  }
}

/** A pretrained config (MobileNetV2 [-1, 1] scaling) over `dataset`; `base` overrides the base fields. */
export function pretrainedConfig(dataset: Record<string, unknown>, base: Record<string, unknown>, overrides: Record<string, unknown> = {}): PretrainedModelConfig {
  const labels = (overrides.labels as string[] | undefined) ?? ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
  return ModelConfigSchema.parse({
    name: 'digits-pretrained-test',
    dataset,
    inputShape: [96, 96, 3],
    labels,
    architecture: {
      base: { pretrained: 'tfjs-graph-model', path: join(FIXTURE_DIR, 'model.json'), preprocessing: { scale: 2 / 255, mean: [1, 1, 1], std: [1, 1, 1] }, ...base },
      head: [
        { type: 'dense', units: 16, activation: 'relu' },
        { type: 'dense', units: labels.length, activation: 'softmax' },
      ],
    },
    ...TEST_TRAINING,
    ...overrides,
  }) as PretrainedModelConfig;
}
