import { describe, expect, it } from 'vitest';
import { architectureProblems, estimateTraining } from './model-config-budget.ts';
import { traceBaseShapes } from './model-config-shapes.ts';
import { BaseLayerSchema, HeadLayerConfigSchema } from './model-config.ts';

function architecture(base: unknown[], head: unknown[], inputShape = [28, 28, 1], batchSize = 64) {
  return {
    inputShape,
    batchSize,
    architecture: { base: base.map((l) => BaseLayerSchema.parse(l)), head: head.map((l) => HeadLayerConfigSchema.parse(l)) },
  };
}
const softmax10 = { type: 'dense', units: 10, activation: 'softmax' };

describe('training budget', () => {
  it('counts the parameters tfjs reports for a conv + dense model', () => {
    // tfjs model.countParams() for this model: conv 3*3*1*4+4=40, dense 676*16+16=10832, head 16*10+10=170.
    const config = architecture([{ type: 'conv2d', filters: 4, kernelSize: 3, strides: 2 }, { type: 'flatten' }, { type: 'dense', units: 16 }], [softmax10]);
    const estimate = estimateTraining(config, traceBaseShapes(config.inputShape, config.architecture.base).outputs);
    expect(estimate.parameters).toBe(40 + 10832 + 170);
    expect(estimate.largestLayer).toEqual({ path: 'architecture.base.2', parameters: 10832 });
    expect(architectureProblems(config)).toEqual([]);
  });

  it('refuses a model over the parameter limit with the estimate, the limit and the largest layer', () => {
    const problems = architectureProblems(architecture([{ type: 'flatten' }, { type: 'dense', units: 60_000 }], [softmax10]));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toBe(
      'the model would have 47,700,010 parameters, above the limit of 25,000,000 (largest: architecture.base.1 with 47,100,000); use fewer units or filters, or pool before flatten',
    );
  });

  it('refuses a training step whose activations would not fit in memory', () => {
    const config = architecture(
      [{ type: 'conv2d', filters: 64, kernelSize: 3, padding: 'same' }, { type: 'maxPooling2d', poolSize: 512 }, { type: 'flatten' }],
      [softmax10],
      [4096, 4096, 3],
    );
    const problems = architectureProblems(config);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/^training would need an estimated 1\.0 TiB of memory \(.* at batchSize 64\), above the limit of 8\.0 GiB; lower batchSize/);
  });
});
