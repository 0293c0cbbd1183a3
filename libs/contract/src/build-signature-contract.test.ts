import { describe, expect, it } from 'vitest';
import { buildSignatureContract, stateLayout } from './build-signature-contract.ts';
import { canonicalHash } from './canonical-json.ts';

const head = [
  { name: 'head_0_dense', inputUnits: 128, units: 64, activation: 'relu' as const },
  { name: 'head_1_dense', inputUnits: 64, units: 10, activation: 'softmax' as const },
];
const adam = { type: 'adam' as const, learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

describe('signature contract', () => {
  it('lays out weights, then m and v slots, then the step, contiguously', () => {
    const segments = stateLayout(head, adam);
    const weights = 128 * 64 + 64 + 64 * 10 + 10;
    expect(segments.map((s) => s.name).slice(0, 5)).toEqual(['head_0_dense/kernel', 'head_0_dense/bias', 'head_1_dense/kernel', 'head_1_dense/bias', 'head_0_dense/kernel/m']);
    expect(segments.at(-1)).toEqual({ name: 'optimizer/step', kind: 'optimizer_step', shape: [1], offset: 3 * weights, size: 1 });
    segments.slice(1).forEach((s, i) => expect(s.offset).toBe(segments[i]!.offset + segments[i]!.size));
  });

  it('gives every signature an input and sizes save/restore from the layout', () => {
    const contract = buildSignatureContract({ modelName: 'digits', inputShape: [28, 28, 1], labels: 'abcdefghij'.split(''), trainBatchSize: 32, baseOutputLayer: 'base_5_dense', head, optimizer: adam });
    expect(contract.signatures.train.inputs.map((t) => t.shape)).toEqual([[32, 28, 28, 1], [32, 10]]);
    expect(contract.signatures.save.outputs[0]!.shape).toEqual([contract.state.size]);
    expect(contract.signatures.restore.inputs[0]!.shape).toEqual([contract.state.size]);
    const sgd = buildSignatureContract({ ...contract, head, optimizer: { type: 'sgd', learningRate: 0.1 } });
    expect(sgd.state.size).toBe(128 * 64 + 64 + 64 * 10 + 10 + 1);
    expect(canonicalHash(sgd)).not.toBe(canonicalHash(contract));
  });

  it('adds embedding training, features and the base for a pretrained base, and nothing for a layer base', () => {
    const layer = buildSignatureContract({ modelName: 'digits', inputShape: [28, 28, 1], labels: 'abcdefghij'.split(''), trainBatchSize: 32, baseOutputLayer: 'base_5_dense', head, optimizer: adam });
    expect(Object.keys(layer)).not.toContain('base');
    expect(Object.keys(layer.signatures)).toEqual(['train', 'infer', 'save', 'restore']);
    const base = {
      pretrained: 'tfjs-graph-model' as const,
      featureOutput: 'Identity',
      preprocessing: { scale: 2 / 255, mean: [1, 1, 1], std: [1, 1, 1], channelOrder: 'rgb' as const },
      sha256: 'a'.repeat(64),
    };
    const embeddingHead = [{ ...head[0]!, inputUnits: 1280 }, head[1]!];
    const contract = buildSignatureContract({
      modelName: 'digits-mobilenet', inputShape: [96, 96, 3], labels: 'abcdefghij'.split(''), trainBatchSize: 32,
      baseOutputLayer: 'Identity', head: embeddingHead, optimizer: adam, pretrained: { embeddingSize: 1280, base },
    });
    expect(contract.signatures.train.inputs.map((t) => t.shape)).toEqual([[32, 1280], [32, 10]]);
    expect(contract.signatures.infer.inputs[0]!.shape).toEqual([-1, 96, 96, 3]);
    expect(contract.signatures.features).toEqual({
      inputs: [{ name: 'x', shape: [-1, 96, 96, 3], dtype: 'float32' }],
      outputs: [{ name: 'embedding', shape: [-1, 1280], dtype: 'float32' }],
    });
    expect(Object.keys(contract.signatures)).toEqual(['train', 'infer', 'save', 'restore', 'features']);
    expect([contract.trainInput, contract.embeddingSize, contract.base]).toEqual(['embedding', 1280, base]);
    expect(() => buildSignatureContract({ ...contract, baseOutputLayer: 'other', pretrained: { embeddingSize: 1280, base } })).toThrow(/baseOutputLayer must be base.featureOutput/);
  });

  it('hashes canonically regardless of key order', () => {
    expect(canonicalHash({ a: 1, b: { c: [1, { d: 2, e: 3 }] } })).toBe(canonicalHash({ b: { c: [1, { e: 3, d: 2 }] }, a: 1 }));
  });
});
