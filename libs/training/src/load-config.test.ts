import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOdtError } from '@odt/cli-kit';
import { loadModelConfig } from './load-config.ts';
import { tempDir, smallConfig } from './test-fixtures.ts';

async function configError(mutate: (c: Record<string, any>) => void): Promise<Error> {
  const dir = await tempDir();
  const config = JSON.parse(JSON.stringify(smallConfig({ source: 'embedded-mnist' }))) as Record<string, any>;
  mutate(config);
  await writeFile(join(dir, 'model.config.json'), JSON.stringify(config));
  return loadModelConfig(join(dir, 'model.config.json')).then(
    () => new Error('expected the config to be rejected'),
    (e: Error) => e,
  );
}

describe('model config validation', () => {
  it('names the head field when the label count differs from the head output size', async () => {
    const error = await configError((c) => c.labels.pop());
    expect(isOdtError(error, 'CONFIG_INVALID')).toBe(true);
    expect(error.message).toContain('architecture.head.1.units: the last head layer has 10 units but there are 9 labels');
  });

  it('lists the supported layer types for an unknown layer', async () => {
    const error = await configError((c) => c.architecture.base.push({ type: 'lstm', units: 4 }));
    expect(error.message).toContain('architecture.base.3');
    expect(error.message).toContain('supported base layers: conv2d, maxPooling2d, flatten, dense, dropout');
  });

  it('rejects negative epochs with the field named', async () => {
    const error = await configError((c) => (c.epochs = -3));
    expect(error.message).toContain('epochs: epochs must be a positive whole number');
  });

  it('refuses misspelt keys at any level with a did-you-mean instead of ignoring them', async () => {
    const error = await configError((c) => {
      c.epochz = 5;
      c.earlyStopingPatience = 2;
      c.architecture.base[0].filtrs = 8;
    });
    expect(isOdtError(error, 'CONFIG_INVALID')).toBe(true);
    expect(error.message).toContain('(root): unknown key "epochz" (did you mean "epochs"?); unknown key "earlyStopingPatience" (did you mean "earlyStoppingPatience"?)');
    expect(error.message).toContain('architecture.base.0: unknown key "filtrs" (did you mean "filters"?)');
  });

  it('refuses a kernel larger than its input with the layer path and the computed shape', async () => {
    const error = await configError((c) => (c.architecture.base[0].kernelSize = 29));
    expect(isOdtError(error, 'CONFIG_INVALID')).toBe(true);
    expect(error.message).toContain(
      'architecture.base.0.kernelSize: kernelSize 29 does not fit its [28, 28, 1] input (from inputShape): the output shape would be [0, 0, 4]; use a kernelSize of at most 28 or padding "same"',
    );
  });

  it('refuses oversized counts with the estimate and the limit', async () => {
    const error = await configError((c) => {
      c.epochs = 1e9;
      c.architecture.base[0].filters = 1e7;
    });
    expect(error.message).toContain('epochs: 1000000000 epochs is above the limit of 1000');
    expect(error.message).toContain('architecture.base.0.filters: 10000000 filters is above the limit of 4096');
    expect(error.message).toMatch(/architecture: training would need an estimated [\d.]+ TiB of memory .* above the limit of 8\.0 GiB/);
  });

  it('reports invalid JSON and a missing file as CONFIG_INVALID', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'broken.json'), '{ "name": ');
    expect(isOdtError(await loadModelConfig(join(dir, 'broken.json')).catch((e) => e), 'CONFIG_INVALID')).toBe(true);
    expect(isOdtError(await loadModelConfig(join(dir, 'absent.json')).catch((e) => e), 'CONFIG_INVALID')).toBe(true);
  });

  it('accepts the shipped default config', async () => {
    const { config } = await loadModelConfig(join(import.meta.dirname, '../../../apps/model/model.config.json'));
    expect(config.dataset.source).toBe('embedded-mnist');
  });
});
