import { execFileSync } from 'node:child_process';
import { readFile, readdir, access } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-node';
import { describe, expect, it } from 'vitest';
import { isOdtError } from '@odt/cli-kit';
import { SignatureContractSchema, estimateTraining, isPretrainedConfig, traceBaseShapes } from '@odt/contract';
import { trainModel } from './train-model.ts';
import { buildModel } from './build-model.ts';
import { tempDir, smallConfig, writeDigitsIdx } from './test-fixtures.ts';

async function idxConfig(overrides: Record<string, unknown> = {}) {
  const dir = await tempDir();
  const names = await writeDigitsIdx(dir, 40);
  return { config: smallConfig({ source: 'idx', ...names }, overrides), configDir: dir };
}

/** Mounts a small tmpfs (root only); false where this machine does not allow it. */
function mountTmpfs(dir: string, options: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('trainModel (real tfjs-node)', () => {
  it('writes every artifact, keeps the tensor count flat and repeats exactly for the same seed', async () => {
    const { config, configDir } = await idxConfig();
    const before = tf.memory().numTensors;
    const outA = join(await tempDir(), 'train');
    const a = await trainModel({ config, configDir, outDir: outA });
    expect(tf.memory().numTensors).toBe(before);
    expect(new Set(a.tensorsAfterEpoch).size).toBe(1);

    expect((await readdir(outA)).sort()).toEqual(['contract.json', 'curves.svg', 'heldout', 'metrics.json', 'report.md', 'tfjs', 'train-result.json', ].sort());
    const contract = SignatureContractSchema.parse(JSON.parse(await readFile(join(outA, 'contract.json'), 'utf8')));
    expect(contract.head.map((h) => [h.inputUnits, h.units])).toEqual([[16, 8], [8, 10]]);
    const heldout = JSON.parse(await readFile(join(outA, 'heldout', 'heldout.json'), 'utf8'));
    expect((await readFile(join(outA, 'heldout', 'x.f32'))).length).toBe(heldout.count * 784 * 4);
    expect((await readFile(join(outA, 'heldout', 'tfjs-probabilities.f32'))).length).toBe(heldout.count * 10 * 4);
    expect(await readFile(join(outA, 'curves.svg'), 'utf8')).toContain('<polyline');

    const outB = join(await tempDir(), 'train');
    const b = await trainModel({ config, configDir, outDir: outB });
    const metricsA = JSON.parse(await readFile(join(outA, 'metrics.json'), 'utf8'));
    const metricsB = JSON.parse(await readFile(join(outB, 'metrics.json'), 'utf8'));
    const strip = (m: any) => ({ ...m, wallSeconds: 0, samplesPerSecond: 0, epochs: m.epochs.map((e: any) => ({ ...e, seconds: 0 })) });
    expect(strip(metricsB)).toEqual(strip(metricsA));
    expect(b.testAccuracy).toBe(a.testAccuracy);
    const weightsA = await readFile(join(outA, 'tfjs', 'weights.bin'));
    const weightsB = await readFile(join(outB, 'tfjs', 'weights.bin'));
    console.log(`same config twice: metrics equal; weight bytes ${weightsA.equals(weightsB) ? 'identical' : 'differ'}`);
    expect(weightsA.equals(weightsB)).toBe(true);
  }, 120_000);

  it('stops on a diverging loss with TRAINING_DIVERGED and leaves no output', async () => {
    const { config, configDir } = await idxConfig({ optimizer: { type: 'adam', learningRate: 1e12 }, epochs: 4 });
    const out = join(await tempDir(), 'train');
    const error = await trainModel({ config, configDir, outDir: out }).catch((e: unknown) => e);
    expect(isOdtError(error, 'TRAINING_DIVERGED')).toBe(true);
    await expect(access(out)).rejects.toThrow();
  }, 120_000);

  it('reports a missing dataset path with DATASET_NOT_FOUND before training', async () => {
    const config = smallConfig({ source: 'idx', images: 'nope-images', labels: 'nope-labels' });
    const out = join(await tempDir(), 'train');
    const error = await trainModel({ config, configDir: await tempDir(), outDir: out }).catch((e: unknown) => e);
    expect(isOdtError(error, 'DATASET_NOT_FOUND')).toBe(true);
    expect((error as Error).message).toContain('dataset.images points to');
    await expect(access(out)).rejects.toThrow();
  });

  it('stops early when validation loss has not improved for earlyStoppingPatience epochs, and says so', async () => {
    const { config, configDir } = await idxConfig({ epochs: 30, earlyStoppingPatience: 2 });
    const out = join(await tempDir(), 'train');
    const result = await trainModel({ config, configDir, outDir: out });
    const stop = result.earlyStopping;
    expect(stop.stoppedEarly).toBe(true);
    expect(stop.lastEpoch).toBeLessThan(30);
    expect(stop.lastEpoch - stop.bestEpoch).toBe(2);
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.epochs).toHaveLength(stop.lastEpoch);
    expect(metrics.earlyStopping).toEqual(stop);
    expect(Math.min(...metrics.epochs.map((e: any) => e.valLoss))).toBe(stop.bestValLoss);
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain(`**Stopped early after epoch ${stop.lastEpoch}**: validation loss had not improved for 2 epoch(s)`);
  }, 120_000);

  it('estimates the same parameter count tfjs builds', () => {
    const config = smallConfig({ source: 'embedded-mnist' });
    if (isPretrainedConfig(config)) throw new Error('smallConfig has a layer base');
    const model = buildModel(config);
    const estimate = estimateTraining(config, traceBaseShapes(config.inputShape, config.architecture.base).outputs);
    expect(estimate.parameters).toBe(model.countParams());
    model.optimizer?.dispose();
    model.dispose();
  });

  it('refuses too few samples for the splits with DATASET_MISMATCH instead of diverging', async () => {
    const dir = await tempDir();
    const names = await writeDigitsIdx(dir, 1);
    const config = smallConfig({ source: 'idx', ...names }, { validationSplit: 0.01, testSplit: 0.01 });
    const error = await trainModel({ config, configDir: dir, outDir: join(await tempDir(), 'train') }).catch((e: unknown) => e);
    expect(isOdtError(error, 'DATASET_MISMATCH')).toBe(true);
    expect((error as Error).message).toBe('10 sample(s) are too few for validationSplit 0.01 and testSplit 0.01: the validation and test set would be empty');
  });

  it('reports a full disk as OUTPUT_NOT_WRITABLE with the sizes, and removes the staging folder', async (ctx) => {
    const { config, configDir } = await idxConfig();
    const mount = await tempDir();
    if (!mountTmpfs(mount, 'size=128k')) return ctx.skip();
    try {
      const error = await trainModel({ config, configDir, outDir: join(mount, 'train') }).catch((e: unknown) => e);
      expect(isOdtError(error, 'OUTPUT_NOT_WRITABLE')).toBe(true);
      expect((error as Error).message).toMatch(new RegExp(`^cannot write the training outputs to ${join(mount, 'train')}: no space left on the device \\(the outputs need about 3\\d\\d\\.\\d KiB, 12\\d\\.\\d KiB free there\\)$`));
      expect(await readdir(mount)).toEqual([]);
    } finally {
      execFileSync('umount', [mount]);
    }
  }, 120_000);

  it('refuses a read-only output folder before training', async (ctx) => {
    const { config, configDir } = await idxConfig();
    const mount = await tempDir();
    if (!mountTmpfs(mount, 'size=64k,ro')) return ctx.skip();
    try {
      const error = await trainModel({ config, configDir, outDir: join(mount, 'train') }).catch((e: unknown) => e);
      expect(isOdtError(error, 'OUTPUT_NOT_WRITABLE')).toBe(true);
      expect((error as Error).message).toBe(`cannot write the training outputs to ${join(mount, 'train')}: the file system is read-only (at ${mount})`);
    } finally {
      execFileSync('umount', [mount]);
    }
  });
});
