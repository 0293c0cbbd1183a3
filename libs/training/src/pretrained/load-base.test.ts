import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-node';
import { describe, expect, it } from 'vitest';
import { isOdtError } from '@odt/cli-kit';
import type { PretrainedBase } from '@odt/contract';
import { tempDir } from '../test-fixtures.ts';
import { loadPretrainedBase } from './load-base.ts';
import { writeTinyGraphModel } from './test-graph-model.ts';
import { FIXTURE_DIR, copyFixture } from './test-fixtures.ts';

const MOBILENET = { scale: 2 / 255, mean: [1, 1, 1], std: [1, 1, 1], channelOrder: 'rgb' as const };
const graph = (path: string, featureOutput?: string, preprocessing = MOBILENET): PretrainedBase => ({ pretrained: 'tfjs-graph-model', path, featureOutput, preprocessing });
const failure = (p: Promise<unknown>) => p.then(() => new Error('expected a refusal'), (e: unknown) => e as Error);

describe('pretrained base loading (real tfjs-node)', () => {
  it('loads the MobileNetV2 fixture graph model: one output "Identity", D = 1280, input [96, 96, 3]', async () => {
    const before = tf.memory().numTensors;
    const base = await loadPretrainedBase(graph(join(FIXTURE_DIR, 'model.json')), [96, 96, 3], '/');
    expect([base.featureOutput, base.embeddingSize, base.files.files]).toEqual(['Identity', 1280, ['group1-shard1of1.bin', 'model.json']]);
    const ones = tf.ones([2, 96, 96, 3]) as tf.Tensor4D;
    const embedded = base.embed(ones);
    expect(embedded.shape).toEqual([2, 1280]);
    expect(Array.from(embedded.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([ones, embedded]);
    base.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a featureOutput that is not a node, listing the outputs (BASE_INVALID, exit 37)', async () => {
    const error = await failure(loadPretrainedBase(graph(join(FIXTURE_DIR, 'model.json'), 'Identity_7'), [96, 96, 3], '/'));
    expect(isOdtError(error, 'BASE_INVALID')).toBe(true);
    expect(error.message).toBe(`architecture.base.featureOutput "Identity_7" is not a node of ${join(FIXTURE_DIR, 'model.json')}; its outputs are "Identity"`);
  });

  it('needs featureOutput when the model has several outputs, and a flat one', async () => {
    const path = await writeTinyGraphModel(await tempDir());
    const missing = await failure(loadPretrainedBase(graph(path), [8, 8, 3], '/'));
    expect(isOdtError(missing, 'BASE_INVALID')).toBe(true);
    expect(missing.message).toBe(`architecture.base.featureOutput is missing and ${path} has 2 outputs: "Identity", "Identity_1"`);
    const map = await failure(loadPretrainedBase(graph(path, 'Identity_1'), [8, 8, 3], '/'));
    expect(map.message).toBe(`featureOutput "Identity_1" of ${path} gives [1, 8, 8, 4] for one image; the head needs a flat [1, D] vector`);
    const tiny = await loadPretrainedBase(graph(path, 'Identity'), [8, 8, 3], '/');
    expect(tiny.embeddingSize).toBe(4);
    tiny.dispose();
  });

  it('refuses an inputShape the base does not take, naming both', async () => {
    const error = await failure(loadPretrainedBase(graph(join(FIXTURE_DIR, 'model.json')), [64, 64, 3], '/'));
    expect(isOdtError(error, 'BASE_INVALID')).toBe(true);
    expect(error.message).toBe(`inputShape [64, 64, 3] does not match the base's input [-1, 96, 96, 3] (${join(FIXTURE_DIR, 'model.json')})`);
    expect((error as any).suggestion).toContain('Set inputShape to [96, 96, 3]');
  });

  it('refuses an op off the allowlist before loading, naming the op and the node (UNSUPPORTED_OP, exit 36)', async () => {
    let changed = '';
    const path = await copyFixture(await tempDir(), (json) => {
      const node = json.modelTopology.node.find((n: any) => n.op === 'AddV2');
      node.op = 'Erf';
      changed = node.name;
    });
    const error = await failure(loadPretrainedBase(graph(path), [96, 96, 3], '/'));
    expect(isOdtError(error, 'UNSUPPORTED_OP')).toBe(true);
    expect((error as any).exitCode).toBe(36);
    expect(error.message).toBe(`${path} uses 1 op(s) the pipeline cannot run and convert to TFLite builtins: op "Erf" at node "${changed}"`);
  });

  it('refuses a fused activation tfjs cannot run', async () => {
    const path = await copyFixture(await tempDir(), (json) => {
      const node = json.modelTopology.node.find((n: any) => n.op === '_FusedConv2D');
      node.attr.fused_ops.list.s = [Buffer.from('BiasAdd').toString('base64'), Buffer.from('Tanh').toString('base64')];
    });
    const fused = await failure(loadPretrainedBase(graph(path), [96, 96, 3], '/'));
    expect(isOdtError(fused, 'UNSUPPORTED_OP')).toBe(true);
    expect(fused.message).toMatch(/fused op "Tanh" in _FusedConv2D node "[^"]+"/);
  });

  it('refuses a base path that does not exist', async () => {
    const error = await failure(loadPretrainedBase(graph('nope/model.json'), [96, 96, 3], '/tmp'));
    expect(isOdtError(error, 'BASE_INVALID')).toBe(true);
    expect(error.message).toBe('architecture.base.path points to /tmp/nope/model.json, which does not exist');
  });
});
