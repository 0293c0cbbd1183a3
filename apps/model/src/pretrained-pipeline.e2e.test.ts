import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, signedCli } from './testing/signed-cli.ts';

const OUT = join(ROOT, 'out/model-pretrained');

/**
 * The pretrained pipeline from the worked example config (apps/model/examples/
 * pretrained-digits.config.json: the MobileNetV2 fixture base under a dense head), as the
 * `pretrained` configurations of the same Nx targets ran it before this test (features -> train ->
 * convert -> verify -> version): the verify report passes with 0 Flex ops and parity on >= 256
 * samples within 1e-4, and the draft publishes, validates and pulls like any model.
 */
describe('pretrained base pipeline end to end (real artifacts from out/model-pretrained)', () => {
  const node = signedCli();
  const json = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

  it('verified the converted model: builtin ops only, infer and features parity within 1e-4 on >= 256 samples', async () => {
    const report = await json(join(OUT, 'verify/verify-report.json'));
    expect(report.passed).toBe(true);
    const check = (name: string) => report.checks.find((c: { name: string }) => c.name === name);
    for (const name of ['infer-parity-tfjs', 'features-parity-tfjs']) {
      expect(check(name).passed, name).toBe(true);
      expect(check(name).detail.samples).toBeGreaterThanOrEqual(256);
    }
    // Probabilities within 1e-4 absolute; embeddings within 1e-4 of their largest magnitude.
    expect(check('infer-parity-tfjs').detail.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(check('features-parity-tfjs').detail.relativeDiff).toBeLessThanOrEqual(1e-4);
    expect(check('builtin-ops-only').passed).toBe(true);
    const ops = await json(join(OUT, 'convert/op-report.json'));
    expect(ops.models['model.tflite'].counts.flex).toBe(0);
    const contract = await json(join(OUT, 'train/contract.json'));
    expect(contract.trainInput).toBe('embedding');
    expect(Object.keys(contract.signatures)).toEqual(['train', 'infer', 'save', 'restore', 'features']);
    expect(contract.signatures.train.inputs[0].shape).toEqual([contract.trainBatchSize, contract.embeddingSize]);
  });

  it('publishes the pretrained model, validates the registry and pulls it through its signed channel', async () => {
    const registry = await mkdtemp(join(tmpdir(), 'odt-e2e-pretrained-'));
    const draft = join(OUT, 'version');
    const first = await node(['apps/model/src/publish.ts', '--registry', registry, '--draft', draft]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/publish: digits-mobilenet@1\.0\.0 \(first/);
    const manifest = await json(join(registry, 'digits-mobilenet', '1.0.0', 'manifest.json'));
    expect(manifest.verification.passed).toBe(true);
    expect(manifest.opReport.flexOps).toBe(0);
    expect(manifest.contract.base.pretrained).toBe('tfjs-graph-model');

    const validate = await node(['libs/registry/src/cli/main.ts', 'validate', '--registry', registry]);
    expect(validate.exitCode, validate.stderr).toBe(0);
    const dest = join(await mkdtemp(join(tmpdir(), 'odt-e2e-pretrained-pull-')), 'model');
    const pull = await node(['libs/registry/src/cli/main.ts', 'pull', '--name', 'digits-mobilenet', '--channel', 'latest', '--dest', dest, '--from', registry]);
    expect(pull.exitCode, pull.stderr).toBe(0);
    expect(await readFile(join(dest, 'model.tflite'))).toEqual(await readFile(join(OUT, 'convert/model.tflite')));
  }, 120_000);
});
