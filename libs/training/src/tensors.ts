import * as tf from '@tensorflow/tfjs-node';
import type { Dataset } from './datasets/dataset.ts';

/** Copies the chosen samples into one contiguous NHWC block (the tensor's backing store). */
export function gatherSamples(dataset: Dataset, indices: Int32Array): Float32Array {
  const size = dataset.sampleShape[0] * dataset.sampleShape[1] * dataset.sampleShape[2];
  const out = new Float32Array(indices.length * size);
  indices.forEach((index, i) => out.set(dataset.images.subarray(index * size, (index + 1) * size), i * size));
  return out;
}

/** The labels of the chosen samples, in the same order as gatherSamples. */
export function gatherLabels(dataset: Dataset, indices: Int32Array): Int32Array {
  return Int32Array.from(indices, (i) => dataset.labels[i]!);
}

/** x as a 4-D tensor and y one-hot, ready for fit/evaluate. */
export function toTensors(dataset: Dataset, indices: Int32Array, classes: number): { x: tf.Tensor4D; y: tf.Tensor2D; labels: Int32Array } {
  const labels = gatherLabels(dataset, indices);
  const x = tf.tensor4d(gatherSamples(dataset, indices), [indices.length, ...dataset.sampleShape]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat() as tf.Tensor2D);
  return { x, y, labels };
}
