import * as tf from '@tensorflow/tfjs-node';
import { describe, expect, it } from 'vitest';
import { preprocess } from './preprocess.ts';

describe('preprocess', () => {
  it('computes (x*255*scale - mean[c]) / std[c] in float32, reordering to BGR first when asked', () => {
    const x = tf.tensor4d([0, 0.5, 1, 1, 0.25, 0], [1, 1, 2, 3]);
    const spec = { scale: 1 / 255, mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 2] };
    const rgb = preprocess(x, { ...spec, channelOrder: 'rgb' }).dataSync();
    const expected = [0, 0.5, 1, 1, 0.25, 0].map((v, i) => (Math.fround(Math.fround(v * 255) / 255) - spec.mean[i % 3]!) / spec.std[i % 3]!);
    Array.from(rgb).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    const bgr = Array.from(preprocess(x, { ...spec, channelOrder: 'bgr' }).dataSync());
    const swapped = [1, 0.5, 0, 0, 0.25, 1].map((v, i) => (v - spec.mean[i % 3]!) / spec.std[i % 3]!);
    bgr.forEach((v, i) => expect(v).toBeCloseTo(swapped[i]!, 6));
    x.dispose();
  });

  it('maps [0, 1] to [-1, 1] with the MobileNetV2 spec', () => {
    const x = tf.tensor4d([0, 0.5, 1], [1, 1, 1, 3]);
    const out = preprocess(x, { scale: 2 / 255, mean: [1, 1, 1], std: [1, 1, 1], channelOrder: 'rgb' }).dataSync();
    expect(Array.from(out).map((v) => Number(v.toFixed(6)))).toEqual([-1, 0, 1]);
    x.dispose();
  });
});
