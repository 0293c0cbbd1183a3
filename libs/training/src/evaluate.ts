import * as tf from '@tensorflow/tfjs-node';

export interface Evaluation {
  accuracy: number;
  /** confusion[actual][predicted] counts. */
  confusion: number[][];
  probabilities: Float32Array;
}

/** Test-set accuracy and confusion matrix from one batched predict (no per-sample syncs). */
export function evaluate(model: tf.LayersModel, x: tf.Tensor, labels: Int32Array, classes: number): Evaluation {
  const probs = tf.tidy(() => model.predict(x, { batchSize: 256 }) as tf.Tensor2D);
  const probabilities = probs.dataSync() as Float32Array;
  const predicted = tf.tidy(() => probs.argMax(1).dataSync());
  probs.dispose();
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  labels.forEach((actual, i) => {
    const p = predicted[i]!;
    confusion[actual]![p]! += 1;
    if (p === actual) correct += 1;
  });
  return { accuracy: correct / labels.length, confusion, probabilities };
}
