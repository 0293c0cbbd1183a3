import { join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-node';
import { canonicalHash, isPretrainedConfig, type ModelConfig } from '@odt/contract';
import { trainPretrainedModel } from './pretrained/train-head.ts';
import { replaceDirectory, writeJsonAtomic } from '@odt/cli-kit';
import { loadDataset, datasetHash } from './datasets/load-dataset.ts';
import { splitIndices } from './datasets/split.ts';
import { requireNonEmptySplit } from './datasets/require-samples.ts';
import type { Dataset } from './datasets/dataset.ts';
import { buildModel, contractFor } from './build-model.ts';
import { fitModel } from './fit.ts';
import { evaluate } from './evaluate.ts';
import { toTensors, gatherSamples } from './tensors.ts';
import { trainingMetrics, writeTrainDocuments } from './train-outputs.ts';
import { type TrainingProgress, silentProgress } from './progress.ts';
import type { EarlyStoppingRecord } from './early-stopping.ts';
import { outputError, requireWritableOutput } from './output-errors.ts';
import { HELDOUT_SAMPLES } from './heldout-count.ts';
import { tfjsVersions } from './tfjs-versions.ts';

export { HELDOUT_SAMPLES } from './heldout-count.ts';

export interface TrainOptions {
  config: ModelConfig;
  configDir: string;
  outDir: string;
  progress?: TrainingProgress;
  /** Pretrained base only: model:features' output (default: `features` next to outDir). */
  featuresDir?: string;
}

/** train-result.json: lineage and timing the version stage copies into the manifest. */
export interface TrainResult {
  modelName: string;
  configHash: string;
  datasetHash: string;
  nodeVersion: string;
  tfjsNodeVersion: string;
  tfjsTensorflowVersion: string;
  testAccuracy: number;
  wallSeconds: number;
  samplesPerSecond: number;
  tensorsAfterEpoch: number[];
  /** Pretrained base only: how long the features took (model:features) and their cache key. */
  featuresSeconds?: number;
  featureKey?: string;
}

/** Roughly what the outputs take on disk: weights, the held-out fixture, small JSON/SVG files. */
function outputBytes(model: tf.LayersModel, heldoutCount: number, config: ModelConfig): number {
  const pixels = config.inputShape.reduce((a, b) => a * b, 1);
  return model.countParams() * 4 + heldoutCount * (pixels + config.labels.length) * 4 + 64 * 1024;
}

/**
 * `model:train`: data → seeded split → frozen base + trainable head → fit → evaluate → the
 * tfjs artifacts, contract, metrics, curves, report and parity fixture, all or nothing. A full
 * or unwritable output folder is OUTPUT_NOT_WRITABLE, and the staging folder is removed.
 */
export async function trainModel(options: TrainOptions): Promise<TrainResult & { earlyStopping: EarlyStoppingRecord }> {
  const { config } = options;
  if (isPretrainedConfig(config)) return trainPretrainedModel({ ...options, config });
  const started = performance.now();
  const progress = options.progress ?? silentProgress;
  await requireWritableOutput(options.outDir);
  const dataset = await loadDataset(config, options.configDir);
  const classes = config.labels.length;
  const split = splitIndices(dataset.count, config.validationSplit, config.testSplit, config.seed);
  requireNonEmptySplit(split, dataset.count, config.validationSplit, config.testSplit);
  const train = toTensors(dataset, split.train, classes);
  const validation = toTensors(dataset, split.validation, classes);
  const test = toTensors(dataset, split.test, classes);
  const model = buildModel(config);
  try {
    const fit = await fitModel(model, train, validation, config, progress);
    const evaluation = evaluate(model, test.x, test.labels, classes);
    const contract = contractFor(model, config);
    const metrics = trainingMetrics(config.name, dataset.description, split, fit, evaluation);
    const written = replaceDirectory(options.outDir, async (dir) => {
      await model.save(`file://${join(dir, 'tfjs')}`);
      await writeHeldout(dir, dataset, split.test, config);
      metrics.wallSeconds = (performance.now() - started) / 1000;
      const result: TrainResult = {
        modelName: config.name,
        configHash: canonicalHash(config),
        datasetHash: datasetHash(dataset),
        nodeVersion: process.version,
        ...tfjsVersions(),
        testAccuracy: evaluation.accuracy,
        wallSeconds: metrics.wallSeconds,
        samplesPerSecond: fit.samplesPerSecond,
        tensorsAfterEpoch: fit.tensorsAfterEpoch,
      };
      await writeTrainDocuments(dir, { contract, metrics, result, labels: config.labels });
      return result;
    });
    const result = await written.catch(async (error: unknown) => {
      throw await outputError(error, options.outDir, outputBytes(model, Math.min(HELDOUT_SAMPLES, split.test.length), config));
    });
    return { ...result, earlyStopping: fit.earlyStopping };
  } finally {
    // compile() was given an optimizer object, so the model does not own (or free) its slots.
    model.optimizer?.dispose();
    model.dispose();
    for (const t of [train, validation, test]) tf.dispose([t.x, t.y]);
  }
}

/**
 * Held-out samples plus the probabilities tfjs-node gives for them, computed from the model
 * as saved on disk (reloaded), so verify compares the converted file with exactly what ships.
 */
async function writeHeldout(dir: string, dataset: Dataset, testIndices: Int32Array, config: ModelConfig): Promise<void> {
  const indices = testIndices.slice(0, Math.min(HELDOUT_SAMPLES, testIndices.length));
  const x = gatherSamples(dataset, indices);
  const labels = Array.from(indices, (i) => dataset.labels[i]!);
  const saved = await tf.loadLayersModel(`file://${join(dir, 'tfjs', 'model.json')}`);
  const probabilities = tf.tidy(() => (saved.predict(tf.tensor4d(x, [indices.length, ...dataset.sampleShape])) as tf.Tensor).dataSync() as Float32Array);
  saved.dispose();
  const heldout = join(dir, 'heldout');
  await mkdir(heldout, { recursive: true });
  await writeFile(join(heldout, 'x.f32'), new Uint8Array(x.buffer));
  await writeFile(join(heldout, 'tfjs-probabilities.f32'), new Uint8Array(probabilities.buffer, probabilities.byteOffset, probabilities.byteLength));
  await writeJsonAtomic(join(heldout, 'heldout.json'), {
    count: indices.length,
    inputShape: config.inputShape,
    classes: config.labels.length,
    labels,
    files: { x: 'x.f32', probabilities: 'tfjs-probabilities.f32' },
  });
}
