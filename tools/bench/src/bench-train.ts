import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-node';
import { runCli, writeJsonAtomic } from '@odt/cli-kit';
import { callBridge } from '@odt/bridge-client';
import { buildModel, gatherLabels, gatherSamples, loadDataset, loadModelConfig, permutation, seededRandom, splitIndices } from '@odt/training';
import type { ModelConfig } from '@odt/contract';

interface Run {
  name: string;
  epochMs: number[];
  samplesPerSecond: number;
}

/** Steady-state throughput: the first epoch (graph warm-up, allocations) is left out. */
function steady(name: string, epochMs: number[], count: number): Run {
  const rest = epochMs.slice(1);
  return { name, epochMs: epochMs.map((v) => Math.round(v)), samplesPerSecond: (count * rest.length) / (rest.reduce((a, b) => a + b, 0) / 1000) };
}

/**
 * tfjs-node as most code calls it: fit with tfjs's own shuffle, the default `yieldEvery`
 * (a setTimeout yield per batch) and a per-batch callback reading the loss (a device sync).
 */
async function tfjsNaive(config: ModelConfig, x: tf.Tensor4D, y: tf.Tensor2D, epochs: number): Promise<number[]> {
  const model = buildModel(config);
  const times: number[] = [];
  let started = 0;
  await model.fit(x, y, {
    epochs,
    batchSize: config.batchSize,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onEpochBegin: async () => void (started = performance.now()),
      onBatchEnd: async (_b, logs) => void logs?.loss,
      onEpochEnd: async () => void times.push(performance.now() - started),
    },
  });
  model.optimizer?.dispose();
  model.dispose();
  return times;
}

/** tfjs-node as model:train runs it: seeded pre-shuffle, no per-batch sync, no yields. */
async function tfjsTuned(config: ModelConfig, x: tf.Tensor4D, y: tf.Tensor2D, epochs: number): Promise<number[]> {
  const model = buildModel(config);
  const random = seededRandom(config.seed);
  const times: number[] = [];
  for (let e = 0; e < epochs; e++) {
    const started = performance.now();
    const order = tf.tensor1d(permutation(x.shape[0], random), 'int32');
    const xs = tf.gather(x, order);
    const ys = tf.gather(y, order);
    await model.fit(xs, ys, { epochs: 1, batchSize: config.batchSize, shuffle: false, verbose: 0, yieldEvery: 'never' });
    tf.dispose([order, xs, ys]);
    times.push(performance.now() - started);
  }
  model.optimizer?.dispose();
  model.dispose();
  return times;
}

// `nx run bench:train`: the same architecture, batch size and samples trained by tfjs-node and
// by Keras (pinned bridge env), one after the other in one run; prints samples/s and the ratio.
await runCli(async () => {
  const { values } = parseArgs({ options: { config: { type: 'string', default: 'apps/model/model.config.json' }, epochs: { type: 'string', default: '3' }, out: { type: 'string', default: 'out/bench/train.json' } } });
  const epochs = Math.max(2, Number(values.epochs));
  const { config, configDir } = await loadModelConfig(values.config);
  const dataset = await loadDataset(config, configDir);
  const split = splitIndices(dataset.count, config.validationSplit, config.testSplit, config.seed);
  const samples = gatherSamples(dataset, split.train);
  const labels = gatherLabels(dataset, split.train);
  const count = labels.length;
  const x = tf.tensor4d(samples, [count, ...dataset.sampleShape]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), config.labels.length).toFloat() as tf.Tensor2D);

  const runs: Run[] = [];
  runs.push(steady('tfjs-node (naive fit: shuffle, per-batch sync, yields)', await tfjsNaive(config, x, y, epochs), count));
  runs.push(steady('tfjs-node (as model:train runs it)', await tfjsTuned(config, x, y, epochs), count));
  tf.dispose([x, y]);

  const dir = await mkdtemp(join(tmpdir(), 'odt-bench-'));
  try {
    await writeFile(join(dir, 'x.f32'), new Uint8Array(samples.buffer));
    await writeFile(join(dir, 'labels.json'), JSON.stringify(Array.from(labels)));
    for (const jitCompile of ['auto', false] as const) {
      const keras = await callBridge<{ epochMs: number[]; framework: string }>('bench-keras', {
        modelConfigPath: resolve(values.config),
        xPath: join(dir, 'x.f32'),
        labelsPath: join(dir, 'labels.json'),
        epochs,
        batchSize: config.batchSize,
        seed: config.seed,
        jitCompile,
      });
      runs.push(steady(keras.framework, keras.epochMs, count));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const kerasRun = runs[2]!;
  const tuned = runs[1]!;
  const ratio = tuned.samplesPerSecond / kerasRun.samplesPerSecond;
  process.stdout.write(`\ntraining throughput, ${count} samples, batch ${config.batchSize}, ${epochs} epochs (first left out)\n`);
  for (const run of runs) process.stdout.write(`  ${run.samplesPerSecond.toFixed(0).padStart(7)} samples/s  ${run.name}  epochs ms ${run.epochMs.join(', ')}\n`);
  process.stdout.write(`  ratio tfjs-node / keras = ${ratio.toFixed(2)}  (naive tfjs-node / keras = ${(runs[0]!.samplesPerSecond / kerasRun.samplesPerSecond).toFixed(2)}; tfjs-node / keras without XLA = ${(tuned.samplesPerSecond / runs[3]!.samplesPerSecond).toFixed(2)})\n`);
  await writeJsonAtomic(values.out, { count, batchSize: config.batchSize, epochs, runs, ratio, measuredAt: new Date().toISOString() });
});
