import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelConfigSchema } from './model-config.ts';
import { formatIssues } from './format-issues.ts';

const DEFAULT_CONFIG = JSON.parse(readFileSync(join(import.meta.dirname, '../../../apps/model/model.config.json'), 'utf8'));

/** The formatted problems of the default config after `mutate`, or [] when it is accepted. */
function problems(mutate: (config: any) => void): string[] {
  const config = structuredClone(DEFAULT_CONFIG);
  mutate(config);
  const parsed = ModelConfigSchema.safeParse(config);
  return parsed.success ? [] : formatIssues(parsed.error);
}

describe('ModelConfigSchema', () => {
  it('accepts the shipped default config', () => {
    expect(problems(() => {})).toEqual([]);
  });

  it('refuses misspelt keys at every level with a did-you-mean', () => {
    expect(problems((c) => (c.epochz = 3))).toEqual(['(root): unknown key "epochz" (did you mean "epochs"?)']);
    expect(problems((c) => (c.earlyStopingPatience = 2))).toEqual(['(root): unknown key "earlyStopingPatience" (did you mean "earlyStoppingPatience"?)']);
    expect(problems((c) => (c.architecture.base[0].filtrs = 8))).toEqual(['architecture.base.0: unknown key "filtrs" (did you mean "filters"?)']);
    expect(problems((c) => (c.architecture.head[0].unit = 8))).toEqual(['architecture.head.0: unknown key "unit" (did you mean "units"?)']);
    expect(problems((c) => (c.architecture.heads = []))).toEqual(['architecture: unknown key "heads" (did you mean "head"?)']);
    expect(problems((c) => (c.optimizer.learningrate = 0.1))).toEqual(['optimizer: unknown key "learningrate" (did you mean "learningRate"?)']);
    expect(problems((c) => (c.deviceOptimizer.beta = 0.9))).toEqual(['deviceOptimizer: unknown key "beta" (did you mean "beta1"?)']);
    expect(problems((c) => (c.dataset.path = 'x'))).toEqual(['dataset: unknown key "path"; allowed here: source, convertChannels']);
  });

  it('bounds counts with the value and the limit named', () => {
    expect(problems((c) => (c.epochs = 1e9))).toEqual(['epochs: 1000000000 epochs is above the limit of 1000']);
    expect(problems((c) => (c.batchSize = 1e6))[0]).toBe('batchSize: 1000000 samples per batch is above the limit of 65536');
    expect(problems((c) => (c.architecture.base[0].filters = 1e7))[0]).toBe('architecture.base.0.filters: 10000000 filters is above the limit of 4096');
    const units = problems((c) => (c.architecture.base[5].units = 1e8));
    expect(units[0]).toBe('architecture.base.5.units: 100000000 units is above the limit of 65536');
    expect(units[1]).toBe(
      'architecture: the model would have 86,500,005,514 parameters, above the limit of 25,000,000 (largest: architecture.base.5 with 80,100,000,000); use fewer units or filters, or pool before flatten',
    );
    expect(units[2]).toMatch(/^architecture: training would need an estimated 1\.4 TiB of memory .*above the limit of 8\.0 GiB/);
    expect(problems((c) => (c.inputShape = [28, 28, 2]))).toEqual(['inputShape.2: channels must be 1 (grey), 3 (RGB) or 4 (RGBA)']);
  });

  it('refuses a window larger than its input before TensorFlow sees it', () => {
    expect(problems((c) => (c.architecture.base[2].kernelSize = 14))).toEqual([
      'architecture.base.2.kernelSize: kernelSize 14 does not fit its [13, 13, 16] input (from architecture.base.1): the output shape would be [0, 0, 32]; use a kernelSize of at most 13 or padding "same"',
    ]);
    expect(problems((c) => (c.architecture.base[1].poolSize = 30))[0]).toMatch(/^architecture.base.1.poolSize: poolSize 30 does not fit its \[26, 26, 16\] input/);
  });

  it('reports an empty head or base as a problem, not a crash', () => {
    expect(problems((c) => (c.architecture.head = []))).toEqual(['architecture.head: Too small: expected array to have >=1 items']);
    expect(problems((c) => (c.architecture.base = []))).toEqual(['architecture.base: Too small: expected array to have >=1 items']);
  });

  it('accepts convertChannels on an image folder, and on other sources only with a pretrained base', () => {
    expect(problems((c) => (c.dataset = { source: 'image-folder', path: 'digits', convertChannels: true }))).toEqual([]);
    expect(problems((c) => (c.dataset = { source: 'idx', images: 'a', labels: 'b', convertChannels: true }))).toEqual([
      'dataset.convertChannels: convertChannels on a "idx" source needs a pretrained base (architecture.base as an object, which resizes every source); remove it for a layer base',
    ]);
  });
});
