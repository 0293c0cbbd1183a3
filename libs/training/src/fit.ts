import * as tf from '@tensorflow/tfjs-node';
import { OdtError } from '@odt/cli-kit';
import type { ModelConfig } from '@odt/contract';
import { permutation, seededRandom } from './datasets/split.ts';
import type { EpochLogs, TrainingProgress } from './progress.ts';
import { createEarlyStopping, type EarlyStoppingRecord } from './early-stopping.ts';

export interface FitResult {
  epochs: EpochLogs[];
  /** tf.memory().numTensors after each epoch; flat when nothing leaks. */
  tensorsAfterEpoch: number[];
  samplesPerSecond: number;
  earlyStopping: EarlyStoppingRecord;
}

/**
 * The training loop: one `fit` call per epoch over a seeded permutation (tfjs's own shuffle
 * uses Math.random, which would make runs differ). Loss is checked after every epoch; NaN or
 * Inf stops training with an error instead of writing a broken model. With
 * earlyStoppingPatience > 0 it stops once validation loss has not improved for that many epochs.
 */
export async function fitModel(
  model: tf.LayersModel,
  train: { x: tf.Tensor; y: tf.Tensor2D },
  validation: { x: tf.Tensor; y: tf.Tensor2D },
  config: ModelConfig,
  progress: TrainingProgress,
): Promise<FitResult> {
  const count = train.x.shape[0];
  const batches = Math.ceil(count / config.batchSize);
  const random = seededRandom(config.seed ^ 0x5eed);
  const epochs: EpochLogs[] = [];
  const tensorsAfterEpoch: number[] = [];
  const stopping = createEarlyStopping(config.earlyStoppingPatience);
  let trainSeconds = 0;
  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    progress.onEpochStart(epoch, config.epochs, batches);
    const order = tf.tensor1d(permutation(count, random), 'int32');
    const x = tf.gather(train.x, order);
    const y = tf.gather(train.y, order);
    order.dispose();
    const started = performance.now();
    const onBatch = progress.onBatch;
    const history = await model.fit(x, y, {
      epochs: 1,
      batchSize: config.batchSize,
      shuffle: false,
      verbose: 0,
      validationData: [validation.x, validation.y],
      yieldEvery: onBatch ? 'auto' : 'never',
      callbacks: onBatch
        ? { onBatchEnd: async (batch, logs) => onBatch(epoch, batch + 1, batches, logs?.loss ?? NaN, logs?.acc ?? NaN) }
        : undefined,
    });
    const seconds = (performance.now() - started) / 1000;
    trainSeconds += seconds;
    x.dispose();
    y.dispose();
    const h = history.history;
    const logs: EpochLogs = {
      epoch,
      loss: Number(h.loss?.[0]),
      accuracy: Number(h.acc?.[0]),
      valLoss: Number(h.val_loss?.[0]),
      valAccuracy: Number(h.val_acc?.[0]),
      seconds,
    };
    if (!Number.isFinite(logs.loss) || !Number.isFinite(logs.valLoss)) {
      throw new OdtError('TRAINING_DIVERGED', `loss became ${logs.loss} in epoch ${epoch}`, { context: { epoch, learningRate: config.optimizer.learningRate } });
    }
    epochs.push(logs);
    tensorsAfterEpoch.push(tf.memory().numTensors);
    progress.onEpochEnd(logs, config.epochs);
    if (stopping.shouldStop(epoch, logs.valLoss)) break;
  }
  return { epochs, tensorsAfterEpoch, samplesPerSecond: (count * epochs.length) / trainSeconds, earlyStopping: stopping.record() };
}
