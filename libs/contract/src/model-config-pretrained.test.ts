import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelConfigSchema, isPretrainedConfig } from './model-config.ts';
import { formatIssues } from './format-issues.ts';

const EXAMPLE = JSON.parse(readFileSync(join(import.meta.dirname, '../../../apps/model/examples/pretrained-digits.config.json'), 'utf8'));

/** The formatted problems of the worked pretrained example after `mutate`, or [] when accepted. */
function problems(mutate: (config: any) => void): string[] {
  const config = structuredClone(EXAMPLE);
  mutate(config);
  const parsed = ModelConfigSchema.safeParse(config);
  return parsed.success ? [] : formatIssues(parsed.error);
}

describe('pretrained base config', () => {
  it('accepts the worked example and fills the defaults', () => {
    expect(problems(() => {})).toEqual([]);
    const config = ModelConfigSchema.parse({ ...EXAMPLE, architecture: { ...EXAMPLE.architecture, base: { ...EXAMPLE.architecture.base, preprocessing: { scale: 1, mean: [0, 0, 0], std: [1, 1, 1] } } } });
    expect(isPretrainedConfig(config)).toBe(true);
    if (isPretrainedConfig(config)) expect(config.architecture.base.preprocessing.channelOrder).toBe('rgb');
  });

  it('refuses a preprocessing spec that does not match the input, naming the field and the fix', () => {
    expect(problems((c) => (c.architecture.base.preprocessing.mean = [0.5]))).toEqual([
      'architecture.base.preprocessing.mean: mean has 1 value(s) but inputShape has 3 channel(s): a preprocessing spec that does not match the input; give exactly one mean per channel (e.g. [0, 0, 0])',
    ]);
    expect(problems((c) => (c.architecture.base.preprocessing.std = [1, 0, 1]))).toEqual(['architecture.base.preprocessing.std.1: every std value must be > 0 (got 0)']);
    expect(problems((c) => (c.architecture.base.preprocessing.scale = 0))).toEqual(['architecture.base.preprocessing.scale: scale must be > 0 (got 0)']);
    expect(problems((c) => ((c.inputShape = [96, 96, 1]), (c.architecture.base.preprocessing.channelOrder = 'bgr')))).toContain(
      'architecture.base.preprocessing.channelOrder: channelOrder "bgr" needs 3 or 4 channels but inputShape has 1; use "rgb"',
    );
  });

  it('refuses unknown keys, an empty or ":0" featureOutput and a missing path or preprocessing', () => {
    expect(problems((c) => (c.architecture.base.featureOuptut = 'x'))).toEqual(['architecture.base: unknown key "featureOuptut" (did you mean "featureOutput"?)']);
    expect(problems((c) => (c.architecture.base.preprocessing.avg = [1, 1, 1]))).toEqual(['architecture.base.preprocessing: unknown key "avg"; allowed here: scale, mean, std, channelOrder']);
    expect(problems((c) => (c.architecture.base.featureOutput = 'Identity:0'))).toEqual(['architecture.base.featureOutput: featureOutput is a node name without the ":0" tensor suffix']);
    expect(problems((c) => (c.architecture.base.featureOutput = ''))).toEqual([
      'architecture.base.featureOutput: featureOutput must not be empty; leave it out when the model has exactly one output',
    ]);
    expect(problems((c) => delete c.architecture.base.featureOutput)).toEqual([]);
    expect(problems((c) => delete c.architecture.base.preprocessing)).toEqual(['architecture.base.preprocessing: Invalid input: expected object, received undefined']);
    expect(problems((c) => (c.architecture.base.pretrained = 'onnx'))).toEqual(['architecture.base.pretrained: pretrained must be one of "tfjs-graph-model", "saved-model", "keras"']);
  });

  it('keeps the head checks and allows convertChannels on every source', () => {
    expect(problems((c) => (c.architecture.head[1].units = 9))).toEqual(['architecture.head.1.units: the last head layer has 9 units but there are 10 labels; make them equal']);
    expect(problems((c) => (c.dataset = { source: 'idx', images: 'a', labels: 'b', convertChannels: true }))).toEqual([]);
    expect(problems((c) => (c.dataset = { source: 'image-folder', path: 'p', convertChannels: true }))).toEqual([]);
  });
});
