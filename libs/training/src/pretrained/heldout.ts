import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-node';
import { writeJsonAtomic } from '@odt/cli-kit';
import type { PretrainedModelConfig } from '@odt/contract';
import { FEATURE_BATCH } from './features.ts';
import type { ImageSource } from './image-source.ts';
import { loadPretrainedBase, type LoadedBase } from './load-base.ts';

const bytesOf = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * The parity fixture of a pretrained model: images in [0, 1] at inputShape (not preprocessed),
 * their embeddings (preprocessing + base) and probabilities (+ head), computed from the base
 * and head as written in `dir` (base/ and tfjs/), so verify compares the converted file with
 * exactly what ships. Batched: 512 images at 96x96x3 are 57 MB, their intermediates are not kept.
 */
export async function writePretrainedHeldout(dir: string, source: ImageSource, indices: Int32Array, config: PretrainedModelConfig, base: LoadedBase): Promise<void> {
  const entry = resolve(dir, 'base', relative(base.files.root, base.files.entry));
  const saved = await loadPretrainedBase({ ...config.architecture.base, path: entry, featureOutput: base.featureOutput }, config.inputShape, dir);
  const head = await tf.loadLayersModel(`file://${join(dir, 'tfjs', 'model.json')}`);
  const pixels = config.inputShape.reduce((a, b) => a * b, 1);
  const classes = config.labels.length;
  const x = new Float32Array(indices.length * pixels);
  const embeddings = new Float32Array(indices.length * saved.embeddingSize);
  const probabilities = new Float32Array(indices.length * classes);
  try {
    for (let start = 0; start < indices.length; start += FEATURE_BATCH) {
      const batch = indices.subarray(start, Math.min(start + FEATURE_BATCH, indices.length));
      const images = await source.read(batch);
      const embedded = saved.embed(images);
      const probs = head.predict(embedded) as tf.Tensor;
      x.set(images.dataSync(), start * pixels);
      embeddings.set(embedded.dataSync(), start * saved.embeddingSize);
      probabilities.set(probs.dataSync(), start * classes);
      tf.dispose([images, embedded, probs]);
    }
  } finally {
    saved.dispose();
    head.dispose();
  }
  const out = join(dir, 'heldout');
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'x.f32'), bytesOf(x));
  await writeFile(join(out, 'tfjs-embeddings.f32'), bytesOf(embeddings));
  await writeFile(join(out, 'tfjs-probabilities.f32'), bytesOf(probabilities));
  await writeJsonAtomic(join(out, 'heldout.json'), {
    count: indices.length,
    inputShape: config.inputShape,
    classes,
    labels: Array.from(indices, (i) => source.labels[i]!),
    embeddingSize: saved.embeddingSize,
    files: { x: 'x.f32', probabilities: 'tfjs-probabilities.f32', embeddings: 'tfjs-embeddings.f32' },
  });
}
