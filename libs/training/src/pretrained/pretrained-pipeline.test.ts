import { access, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { isOdtError } from '@odt/cli-kit';
import { SignatureContractSchema } from '@odt/contract';
import { tempDir } from '../test-fixtures.ts';
import { splitIndices } from '../datasets/split.ts';
import { trainModel } from '../train-model.ts';
import { computeFeatures, readFeatures } from './features.ts';
import { FIXTURE_DIR, copyFixture, pretrainedConfig, writeDigitFolder } from './test-fixtures.ts';

const f32 = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

describe('model:features and model:train on a pretrained base (real MobileNetV2 fixture, 300 PNG digits)', () => {
  let digits: string;
  beforeAll(async () => {
    digits = join(await tempDir(), 'digits');
    await writeDigitFolder(digits, 30);
  });
  const config = (base: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}) =>
    pretrainedConfig({ source: 'image-folder', path: digits, convertChannels: true }, base, overrides);

  it('caches features by content: a head-only change is a hit, a changed base recomputes', async () => {
    const work = await tempDir();
    const cacheDir = join(work, 'features-cache');
    const first = await computeFeatures({ config: config(), configDir: '/', outDir: join(work, 'features'), cacheDir });
    expect([first.cacheHit, first.manifest.count, first.manifest.embeddingSize]).toEqual([false, 300, 1280]);
    const { features, labels } = await readFeatures(join(work, 'features'));
    expect(features.length).toBe(300 * 1280);
    expect(Array.from(labels.slice(0, 3))).toEqual([0, 0, 0]);

    const headOnly = config({}, { epochs: 9 });
    headOnly.architecture.head[0]!.units = 32;
    const started = performance.now();
    const hit = await computeFeatures({ config: headOnly, configDir: '/', outDir: join(work, 'features-2'), cacheDir });
    console.log(`features: miss ${first.manifest.seconds.toFixed(2)}s, head-only change hit ${((performance.now() - started) / 1000).toFixed(2)}s`);
    expect([hit.cacheHit, hit.manifest.key]).toEqual([true, first.manifest.key]);

    const shard = await readFile(join(FIXTURE_DIR, 'group1-shard1of1.bin'));
    const changed = await copyFixture(join(work, 'base'));
    shard[100] = shard[100]! ^ 1;
    await writeFile(join(work, 'base', 'group1-shard1of1.bin'), shard);
    const miss = await computeFeatures({ config: config({ path: changed }), configDir: '/', outDir: join(work, 'features-3'), cacheDir });
    expect(miss.cacheHit).toBe(false);
    expect(miss.manifest.key).not.toBe(first.manifest.key);
    expect(miss.manifest.baseSha256).not.toBe(first.manifest.baseSha256);
    expect((await readdir(cacheDir)).sort()).toEqual([first.manifest.key, miss.manifest.key].sort());
  }, 120_000);

  it('trains the head on the features and writes every artifact with a consistent image-in parity fixture', async () => {
    const work = await tempDir();
    const cfg = config();
    await computeFeatures({ config: cfg, configDir: '/', outDir: join(work, 'features'), cacheDir: join(work, 'cache') });
    const before = tf.memory().numTensors;
    const result = await trainModel({ config: cfg, configDir: '/', outDir: join(work, 'train') });
    expect(tf.memory().numTensors).toBe(before);
    const out = join(work, 'train');
    expect((await readdir(out)).sort()).toEqual(['base', 'contract.json', 'curves.svg', 'heldout', 'metrics.json', 'report.md', 'tfjs', 'train-result.json']);
    expect((await readdir(join(out, 'base'))).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    expect((await readFile(join(out, 'base', 'group1-shard1of1.bin'))).equals(await readFile(join(FIXTURE_DIR, 'group1-shard1of1.bin')))).toBe(true);
    const contract = SignatureContractSchema.parse(JSON.parse(await readFile(join(out, 'contract.json'), 'utf8')));
    expect([contract.trainInput, contract.embeddingSize, contract.baseOutputLayer, contract.head[0]!.inputUnits]).toEqual(['embedding', 1280, 'Identity', 1280]);
    expect(contract.signatures.train.inputs[0]!.shape).toEqual([8, 1280]);
    const trainResult = JSON.parse(await readFile(join(out, 'train-result.json'), 'utf8'));
    expect(trainResult.featureKey).toBe(result.featureKey);
    expect(trainResult.featuresSeconds).toBeGreaterThan(0);
    const model = JSON.parse(await readFile(join(out, 'tfjs', 'model.json'), 'utf8'));
    expect(model.modelTopology.config.layers.map((l: any) => l.config.name)).toEqual(['head_0_dense', 'head_1_dense']);

    const heldout = JSON.parse(await readFile(join(out, 'heldout', 'heldout.json'), 'utf8'));
    const test = splitIndices(300, cfg.validationSplit, cfg.testSplit, cfg.seed).test;
    expect([heldout.count, heldout.embeddingSize, heldout.files]).toEqual([60, 1280, { x: 'x.f32', probabilities: 'tfjs-probabilities.f32', embeddings: 'tfjs-embeddings.f32' }]);
    const x = f32(await readFile(join(out, 'heldout', 'x.f32')));
    const embeddings = f32(await readFile(join(out, 'heldout', 'tfjs-embeddings.f32')));
    const probabilities = f32(await readFile(join(out, 'heldout', 'tfjs-probabilities.f32')));
    expect([x.length, embeddings.length, probabilities.length]).toEqual([60 * 96 * 96 * 3, 60 * 1280, 60 * 10]);
    expect(Math.min(...x.subarray(0, 30000))).toBeGreaterThanOrEqual(0);
    const { features } = await readFeatures(join(work, 'features'));
    let diff = 0;
    test.forEach((sample, row) => {
      for (let d = 0; d < 1280; d++) diff = Math.max(diff, Math.abs(embeddings[row * 1280 + d]! - features[sample * 1280 + d]!));
    });
    expect(diff).toBeLessThan(1e-4);
    for (let row = 0; row < 60; row++) expect(probabilities.subarray(row * 10, row * 10 + 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  }, 120_000);

  it('writes nothing when the features are missing or the base has an unsupported op', async () => {
    const work = await tempDir();
    const missing = await trainModel({ config: config(), configDir: '/', outDir: join(work, 'train') }).then(() => new Error('expected a refusal'), (e: unknown) => e as Error);
    expect(isOdtError(missing, 'ARTIFACTS_INVALID')).toBe(true);
    expect(missing.message).toBe(`no features in ${join(work, 'features')} (ENOENT)`);
    const path = await copyFixture(join(work, 'bad'), (json) => (json.modelTopology.node.find((n: any) => n.op === 'Mean').op = 'Erf'));
    const op = await computeFeatures({ config: config({ path }), configDir: '/', outDir: join(work, 'features'), cacheDir: join(work, 'cache') }).then(() => new Error('expected a refusal'), (e: unknown) => e as Error);
    expect(isOdtError(op, 'UNSUPPORTED_OP')).toBe(true);
    expect(op.message).toMatch(/op "Erf" at node "[^"]+"/);
    for (const dir of ['train', 'features', 'cache']) await expect(access(join(work, dir))).rejects.toThrow();
  }, 60_000);
});
