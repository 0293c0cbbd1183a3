import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, signedCli } from './testing/signed-cli.ts';

/**
 * The end of the real pipeline: the version draft that `model:version` built from the trained,
 * converted and verified model (Nx runs those stages before this test) is published into a
 * fresh registry, re-published (a no-op), validated and pulled with signature checks.
 */
describe('pipeline end to end (real artifacts from out/model)', () => {
  const node = signedCli();

  it('publishes 1.0.0, publishes nothing the second time, validates and pulls it verified', async () => {
    const registry = await mkdtemp(join(tmpdir(), 'odt-e2e-registry-'));
    const first = await node(['apps/model/src/publish.ts', '--registry', registry]);
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(/publish: digits@1\.0\.0 \(first/);

    const second = await node(['apps/model/src/publish.ts', '--registry', registry]);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toContain('nothing to publish, the model is identical to digits@1.0.0');
    expect((await readdir(join(registry, 'digits'))).sort()).toEqual(['1.0.0', 'channels']);
    expect(await readdir(join(registry, 'digits', '1.0.0'))).toContain('model.sig');

    const manifest = JSON.parse(await readFile(join(registry, 'digits', '1.0.0', 'manifest.json'), 'utf8'));
    expect(manifest.verification.passed).toBe(true);
    expect(manifest.opReport.flexOps).toBe(0);
    expect(manifest.metrics.testAccuracy).toBeGreaterThanOrEqual(0.97);
    expect(manifest.lineage.tfjsTensorflowVersion).toBe(manifest.lineage.converterTensorflowVersion);

    const validate = await node(['libs/registry/src/cli/main.ts', 'validate', '--registry', registry]);
    expect(validate.exitCode).toBe(0);
    const dest = join(await mkdtemp(join(tmpdir(), 'odt-e2e-pull-')), 'digits');
    const pull = await node(['libs/registry/src/cli/main.ts', 'pull', '--name', 'digits', '--range', '^1.0.0', '--dest', dest, '--from', registry]);
    expect(pull.exitCode).toBe(0);
    expect(await readFile(join(dest, 'model.tflite'))).toEqual(await readFile(join(ROOT, 'out/model/convert/model.tflite')));

    // Devices follow the signed channel document: pull the latest channel through it.
    const byChannel = await node(['libs/registry/src/cli/main.ts', 'pull', '--name', 'digits', '--channel', 'latest', '--dest', `${dest}-latest`, '--from', registry]);
    expect(byChannel.exitCode, byChannel.stderr).toBe(0);
    expect(byChannel.stdout).toMatch(/pulled digits@1\.0\.0/);
  }, 120_000);
});
