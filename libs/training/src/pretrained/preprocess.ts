import * as tf from '@tensorflow/tfjs-node';
import type { Preprocessing } from '@odt/contract';

/**
 * The base's input transform, exactly as the converted graph bakes it in, in the same order and
 * in float32: p = x * 255; reorder the channels to B,G,R when channelOrder is "bgr" (a gather on
 * the last axis); then (p * scale - mean[c]) / std[c]. x is the [0, 1] NHWC image every stage
 * and the phone exchange, so server and phone features agree to float32 rounding.
 */
export function preprocess(x: tf.Tensor4D, spec: Preprocessing): tf.Tensor4D {
  return tf.tidy(() => {
    const channels = x.shape[3];
    let p: tf.Tensor4D = tf.mul(x, tf.scalar(255, 'float32'));
    if (spec.channelOrder === 'bgr') {
      // [2, 1, 0] for RGB, [2, 1, 0, 3] for RGBA (alpha stays last).
      const order = Array.from({ length: channels }, (_, c) => (c < 3 ? 2 - c : c));
      p = tf.gather(p, tf.tensor1d(order, 'int32'), 3);
    }
    const scaled = tf.mul(p, tf.scalar(spec.scale, 'float32'));
    const centred = tf.sub(scaled, tf.tensor1d(spec.mean, 'float32'));
    return tf.div(centred, tf.tensor1d(spec.std, 'float32'));
  });
}
