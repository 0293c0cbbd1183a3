import { access, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
const EXAMPLE = join(ROOT, 'apps/model/examples/pretrained-digits.config.json');

/** Runs model:features on `config` (written next to the example so its relative base path holds). */
async function runFeatures(config: unknown) {
  const dir = await mkdtemp(join(tmpdir(), 'odt-features-cli-'));
  const path = join(ROOT, 'apps/model/examples', `.test-${process.pid}-${Date.now()}.config.json`);
  await writeFile(path, JSON.stringify(config));
  try {
    const out = join(dir, 'features');
    const result = await execa('npx', ['tsx', 'apps/model/src/features.ts', '--config', path, '--out', out], { cwd: ROOT, reject: false, env: { TF_CPP_MIN_LOG_LEVEL: '3' } });
    return { ...result, out };
  } finally {
    await import('node:fs/promises').then((fs) => fs.rm(path, { force: true }));
  }
}

describe('model:features CLI edge', () => {
  it('says a layer base has nothing to compute and writes nothing', async () => {
    const result = await runFeatures(JSON.parse(await readFile(join(ROOT, 'apps/model/model.config.json'), 'utf8')));
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('features: digits has a layer base (trained end to end by model:train); nothing to compute, nothing written');
    await expect(access(result.out)).rejects.toThrow();
  }, 60_000);

  it('exits 10 for a preprocessing spec that does not match the input, 37 for an unknown featureOutput', async () => {
    const config = JSON.parse(await readFile(EXAMPLE, 'utf8'));
    config.architecture.base.preprocessing.std = [1];
    const spec = await runFeatures(config);
    expect(spec.exitCode).toBe(10);
    expect(spec.stderr).toContain('architecture.base.preprocessing.std: std has 1 value(s) but inputShape has 3 channel(s): a preprocessing spec that does not match the input');
    config.architecture.base.preprocessing.std = [1, 1, 1];
    config.architecture.base.featureOutput = 'global_pool';
    const output = await runFeatures(config);
    expect(output.exitCode).toBe(37);
    expect(output.stderr).toMatch(/error\[BASE_INVALID\]: architecture.base.featureOutput "global_pool" is not a node of .*model.json; its outputs are "Identity"/);
    expect(output.stderr).not.toMatch(/\n\s+at /);
    await expect(access(output.out)).rejects.toThrow();
  }, 60_000);
});
