import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-node';
import { OdtError, replaceDirectory } from '@odt/cli-kit';
import { canonicalHash, type PretrainedModelConfig } from '@odt/contract';
import { splitIndices } from '../datasets/split.ts';
import { requireNonEmptySplit } from '../datasets/require-samples.ts';
import { fitModel } from '../fit.ts';
import { evaluate } from '../evaluate.ts';
import { trainingMetrics, writeTrainDocuments } from '../train-outputs.ts';
import { silentProgress } from '../progress.ts';
import type { EarlyStoppingRecord } from '../early-stopping.ts';
import { outputError, requireWritableOutput } from '../output-errors.ts';
import { HELDOUT_SAMPLES } from '../heldout-count.ts';
import { tfjsVersions } from '../tfjs-versions.ts';
import type { TrainOptions, TrainResult } from '../train-model.ts';
import { baseBytes, copyBaseFiles } from './base-files.ts';
import { featureKey, readFeatures, type FeaturesManifest } from './features.ts';
import { buildHead, pretrainedContract } from './head-model.ts';
import { writePretrainedHeldout } from './heldout.ts';
import { openImageSource } from './image-source.ts';
import { loadPretrainedBase } from './load-base.ts';

/** model:features' output for exactly this base, preprocessing and data, or why it cannot be used. */
async function requireFeatures(dir: string, key: string): Promise<{ manifest: FeaturesManifest; features: Float32Array; labels: Int32Array }> {
  const rerun = 'Run `npx nx run model:features` (or apps/model/src/features.ts with the same --config) before training.';
  const read = await readFeatures(dir).catch((cause: unknown) => {
    throw new OdtError('ARTIFACTS_INVALID', `no features in ${dir} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, { cause, suggestion: rerun });
  });
  if (read.manifest.key !== key) {
    throw new OdtError('ARTIFACTS_INVALID', `the features in ${dir} were computed for another base, preprocessing or dataset (key ${read.manifest.key.slice(0, 12)}…, this config needs ${key.slice(0, 12)}…)`, { suggestion: rerun });
  }
  if (read.features.length !== read.manifest.count * read.manifest.embeddingSize || read.labels.length !== read.manifest.count) {
    throw new OdtError('ARTIFACTS_INVALID', `the features in ${dir} are truncated (features.f32 or labels.i32 does not match features.json)`, { suggestion: rerun });
  }
  return read;
}

/** x (rows of the features) and y one-hot for the chosen samples. */
function part(all: tf.Tensor2D, labels: Int32Array, indices: Int32Array, classes: number) {
  const picked = Int32Array.from(indices, (i) => labels[i]!);
  return tf.tidy(() => {
    const at = tf.tensor1d(indices, 'int32');
    return { x: tf.gather(all, at) as tf.Tensor2D, y: tf.oneHot(tf.tensor1d(picked, 'int32'), classes).toFloat() as tf.Tensor2D, labels: picked };
  });
}

/**
 * `model:train` for a pretrained base: the cached features -> the same seeded split as a layer
 * base -> the dense head fitted on embeddings -> evaluation -> tfjs/ (head), base/ (exact copy),
 * contract, metrics, report, curves, train-result and the image-in parity fixture, all or nothing.
 */
export async function trainPretrainedModel(options: TrainOptions & { config: PretrainedModelConfig }): Promise<TrainResult & { earlyStopping: EarlyStoppingRecord }> {
  const started = performance.now();
  const { config } = options;
  const progress = options.progress ?? silentProgress;
  await requireWritableOutput(options.outDir);
  const source = await openImageSource(config, options.configDir);
  const base = await loadPretrainedBase(config.architecture.base, config.inputShape, options.configDir);
  const disposables: tf.TensorContainer[] = [];
  let model: tf.Sequential | undefined;
  try {
    const key = featureKey({ baseSha256: base.sha256, preprocessing: base.preprocessing, inputShape: config.inputShape, featureOutput: base.featureOutput, datasetHash: source.hash });
    const featuresDir = options.featuresDir ?? join(dirname(options.outDir), 'features');
    const { manifest, features, labels } = await requireFeatures(featuresDir, key);
    const classes = config.labels.length;
    const split = splitIndices(manifest.count, config.validationSplit, config.testSplit, config.seed);
    requireNonEmptySplit(split, manifest.count, config.validationSplit, config.testSplit);
    const all = tf.tensor2d(features, [manifest.count, manifest.embeddingSize]);
    const [train, validation, test] = [split.train, split.validation, split.test].map((indices) => part(all, labels, indices, classes)) as [ReturnType<typeof part>, ReturnType<typeof part>, ReturnType<typeof part>];
    all.dispose();
    disposables.push(...[train, validation, test].flatMap((t) => [t.x, t.y]));
    model = buildHead(config, manifest.embeddingSize);
    const head = model;
    const fit = await fitModel(head, train, validation, config, progress);
    const evaluation = evaluate(head, test.x, test.labels, classes);
    const contract = pretrainedContract(head, config, base);
    const metrics = trainingMetrics(config.name, source.description, split, fit, evaluation);
    const heldout = split.test.slice(0, Math.min(HELDOUT_SAMPLES, split.test.length));
    const written = replaceDirectory(options.outDir, async (dir) => {
      await head.save(`file://${join(dir, 'tfjs')}`);
      await copyBaseFiles(base.files, join(dir, 'base'));
      await writePretrainedHeldout(dir, source, heldout, config, base);
      metrics.wallSeconds = (performance.now() - started) / 1000;
      const result: TrainResult = {
        modelName: config.name,
        configHash: canonicalHash(config),
        datasetHash: source.hash,
        nodeVersion: process.version,
        ...tfjsVersions(),
        testAccuracy: evaluation.accuracy,
        wallSeconds: metrics.wallSeconds,
        samplesPerSecond: fit.samplesPerSecond,
        tensorsAfterEpoch: fit.tensorsAfterEpoch,
        featuresSeconds: manifest.seconds,
        featureKey: key,
      };
      await writeTrainDocuments(dir, { contract, metrics, result, labels: config.labels });
      return result;
    });
    const pixels = config.inputShape.reduce((a, b) => a * b, 1);
    const needed = head.countParams() * 4 + (await baseBytes(base.files)) + heldout.length * (pixels + classes + manifest.embeddingSize) * 4 + 64 * 1024;
    const result = await written.catch(async (error: unknown) => Promise.reject(await outputError(error, options.outDir, needed)));
    return { ...result, earlyStopping: fit.earlyStopping };
  } finally {
    model?.optimizer?.dispose();
    model?.dispose();
    tf.dispose(disposables);
    base.dispose();
  }
}
