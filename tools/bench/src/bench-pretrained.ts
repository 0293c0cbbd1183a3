import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-node';
import { OdtError, runCli, writeJsonAtomic } from '@odt/cli-kit';
import { callBridge } from '@odt/bridge-client';
import { isPretrainedConfig, type PretrainedModelConfig } from '@odt/contract';
import {
  buildHead, embedSamples, evaluate, fitModel, loadModelConfig, loadPretrainedBase, openImageSource, permutation, seededRandom, silentProgress, splitIndices,
} from '@odt/training';

/** What the bridge's `bench-pretrained` measures: Keras fitting the frozen-base model, and LiteRT step costs. */
type BridgeFigures = {
  keras: { seconds: number; epochSeconds: number[]; testAccuracy: number; framework: string };
  device: { embeddingStepMs: number; imageStepMs: number; stepSpeedup: number; modelBytes: number; imageTrainModelBytes: number; embed100Ms: number; batch: number };
};

const bytes = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Images [n, H, W, C] in [0, 1] for the given samples, read in batches (as model:features reads them). */
async function imagesOf(source: Awaited<ReturnType<typeof openImageSource>>, indices: Int32Array, pixels: number): Promise<Float32Array> {
  const out = new Float32Array(indices.length * pixels);
  for (let start = 0; start < indices.length; start += 256) {
    const batch = await source.read(indices.subarray(start, Math.min(indices.length, start + 256)));
    out.set(batch.dataSync(), start * pixels);
    batch.dispose();
  }
  return out;
}

/** The batch orders fitModel uses (its seeded permutation per epoch), so Keras sees the same batches. */
function epochOrders(config: PretrainedModelConfig, count: number, epochs: number): Int32Array {
  const random = seededRandom(config.seed ^ 0x5eed);
  const orders = new Int32Array(epochs * count);
  for (let e = 0; e < epochs; e++) orders.set(permutation(count, random), e * count);
  return orders;
}

// `nx run bench:pretrained`: one run, side by side. Server: the head trained on cached features
// (tfjs-node; feature computation timed separately) against Keras `fit` of the same frozen-base
// model (the base as a non-trainable layer), same data, same initial head weights, same batch
// order, same epochs. Device: LiteRT `train` on cached embeddings against `train` on images at
// the base's input size. Prints every figure and writes out/bench/pretrained.json.
await runCli(async () => {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: 'apps/model/examples/pretrained-digits.config.json' },
      model: { type: 'string', default: 'out/model-pretrained' },
      out: { type: 'string', default: 'out/bench/pretrained.json' },
    },
  });
  const { config, configDir } = await loadModelConfig(values.config);
  if (!isPretrainedConfig(config)) throw new OdtError('USAGE', `${values.config} has a layer base; bench:pretrained needs a pretrained one`);
  const source = await openImageSource(config, configDir);
  const base = await loadPretrainedBase(config.architecture.base, config.inputShape, configDir);
  const classes = config.labels.length;
  const split = splitIndices(source.count, config.validationSplit, config.testSplit, config.seed);
  const all = Int32Array.from({ length: source.count }, (_, i) => i);

  // Server A: every sample's features once (what model:features caches).
  let started = performance.now();
  const features = await embedSamples(base, source, all);
  const featureSeconds = (performance.now() - started) / 1000;
  const D = base.embeddingSize;
  base.dispose();

  // Server B: the head on cached features, exactly as model:train fits it.
  const head = buildHead(config, D);
  const initialHead = head.getWeights().map((w) => Array.from(w.dataSync()));
  const part = (indices: Int32Array) => tf.tidy(() => {
    const at = tf.tensor1d(indices, 'int32');
    const y = tf.oneHot(tf.gather(tf.tensor1d(source.labels, 'int32'), at), classes).toFloat() as tf.Tensor2D;
    return { x: tf.gather(tf.tensor2d(features, [source.count, D]), at) as tf.Tensor2D, y, labels: Int32Array.from(indices, (i) => source.labels[i]!) };
  });
  const [train, validation, test] = [part(split.train), part(split.validation), part(split.test)];
  started = performance.now();
  const fit = await fitModel(head, train, validation, config, silentProgress);
  const headSeconds = (performance.now() - started) / 1000;
  const headAccuracy = evaluate(head, test.x, test.labels, classes).accuracy;
  head.optimizer?.dispose();
  head.dispose();
  tf.dispose([train.x, train.y, validation.x, validation.y, test.x, test.y]);

  // Keras and the device figures from the bridge, on the same images.
  const pixels = config.inputShape.reduce((a, b) => a * b, 1);
  const dir = await mkdtemp(join(tmpdir(), 'odt-bench-pretrained-'));
  let figures: BridgeFigures;
  try {
    const files: Record<string, Float32Array | Int32Array> = {
      'train-x.f32': await imagesOf(source, split.train, pixels),
      'train-y.i32': Int32Array.from(split.train, (i) => source.labels[i]!),
      'validation-x.f32': await imagesOf(source, split.validation, pixels),
      'validation-y.i32': Int32Array.from(split.validation, (i) => source.labels[i]!),
      'test-x.f32': await imagesOf(source, split.test, pixels),
      'test-y.i32': Int32Array.from(split.test, (i) => source.labels[i]!),
      'orders.i32': epochOrders(config, split.train.length, fit.epochs.length),
    };
    for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), bytes(data));
    await writeFile(join(dir, 'initial-head.json'), JSON.stringify(initialHead));
    figures = await callBridge<BridgeFigures>('bench-pretrained', {
      dataDir: dir,
      modelDir: resolve(values.model),
      inputShape: config.inputShape,
      classes,
      head: config.architecture.head,
      learningRate: config.optimizer.learningRate,
      epochs: fit.epochs.length,
      batchSize: config.batchSize,
      deviceSteps: 30,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const serverSeconds = featureSeconds + headSeconds;
  const serverSpeedup = figures.keras.seconds / serverSeconds;
  const accuracyGapPoints = (headAccuracy - figures.keras.testAccuracy) * 100;
  const deviceStepSpeedup = figures.device.imageStepMs / figures.device.embeddingStepMs;
  const line = (s: string) => process.stdout.write(`${s}\n`);
  line(`\npretrained base ${config.architecture.base.path} (${config.inputShape.join('x')}, D=${D}), ${split.train.length} train / ${split.test.length} test samples, ${fit.epochs.length} epochs, batch ${config.batchSize}`);
  line('server (same data, same initial head, same batch order, same epochs):');
  line(`  features once (tfjs-node, frozen base)     ${featureSeconds.toFixed(1).padStart(7)} s`);
  line(`  head on cached features (tfjs-node)        ${headSeconds.toFixed(1).padStart(7)} s   test accuracy ${(headAccuracy * 100).toFixed(2)} %`);
  line(`  features + head                            ${serverSeconds.toFixed(1).padStart(7)} s`);
  line(`  ${figures.keras.framework.padEnd(42)} ${figures.keras.seconds.toFixed(1).padStart(7)} s   test accuracy ${(figures.keras.testAccuracy * 100).toFixed(2)} %`);
  line(`  serverSpeedup = ${serverSpeedup.toFixed(1)}x (goal >= 5x), head-only ${(figures.keras.seconds / headSeconds).toFixed(1)}x, accuracy gap ${accuracyGapPoints.toFixed(2)} points (goal within 0.5)`);
  line(`device (LiteRT, batch ${figures.device.batch}):`);
  line(`  train on cached embeddings ${figures.device.embeddingStepMs.toFixed(2)} ms/step; train on ${config.inputShape.join('x')} images ${figures.device.imageStepMs.toFixed(2)} ms/step`);
  line(`  deviceStepSpeedup = ${deviceStepSpeedup.toFixed(1)}x (goal >= 10x); model.tflite ${figures.device.modelBytes} B (image-train variant ${figures.device.imageTrainModelBytes} B); embed 100 samples ${figures.device.embed100Ms.toFixed(0)} ms`);
  await writeJsonAtomic(values.out, {
    config: values.config,
    samples: { train: split.train.length, validation: split.validation.length, test: split.test.length },
    epochs: fit.epochs.length,
    batchSize: config.batchSize,
    embeddingSize: D,
    server: { featureSeconds, headSeconds, headAccuracy, keras: figures.keras },
    serverSpeedup,
    accuracyGapPoints,
    device: figures.device,
    deviceStepSpeedup,
    measuredAt: new Date().toISOString(),
  });
});
