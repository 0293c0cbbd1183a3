import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-node';
import { findTensorflowWheel } from './tfjs-native.ts';

describe('@tensorflow/tfjs-node native backend', () => {
  it('runs on the native TensorFlow built from the pinned wheel, not the JS CPU fallback', async () => {
    expect(tf.getBackend()).toBe('tensorflow');
    const binding = (tf.backend() as unknown as { binding: { TF_Version: string } }).binding;
    const wheel = await findTensorflowWheel();
    console.log(`tfjs-node ${tf.version['tfjs-core']} runs TensorFlow ${binding.TF_Version} (wheel ${wheel.version})`);
    expect(binding.TF_Version).toBe(wheel.version);
  });

  it('computes a matmul and a gradient natively', () => {
    const a = tf.tensor2d([[1, 2], [3, 4]]);
    const b = tf.tensor2d([[5, 6], [7, 8]]);
    expect(tf.matMul(a, b).arraySync()).toEqual([[19, 22], [43, 50]]);
    const grad = tf.grad((x: tf.Tensor) => x.square().sum())(tf.tensor1d([1, -2, 3]));
    expect(Array.from(grad.dataSync())).toEqual([2, -4, 6]);
  });
});
