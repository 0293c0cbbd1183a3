import { parseArgs } from 'node:util';
import { runCli } from '@odt/cli-kit';
import { loadModelConfig, trainModel } from '@odt/training';
import { chooseProgress } from './progress-reporter.ts';

// `nx run model:train`: parse arguments, validate the config, train, print the headline.
await runCli(async () => {
  const { values } = parseArgs({
    options: { config: { type: 'string', default: 'apps/model/model.config.json' }, out: { type: 'string', default: 'out/model/train' } },
    strict: true,
  });
  const { config, configDir } = await loadModelConfig(values.config);
  const result = await trainModel({ config, configDir, outDir: values.out, progress: chooseProgress() });
  process.stdout.write(
    `train: ${config.name} test accuracy ${(result.testAccuracy * 100).toFixed(2)}% in ${result.wallSeconds.toFixed(1)}s ` +
      `(${result.samplesPerSecond.toFixed(0)} samples/s, TensorFlow ${result.tfjsTensorflowVersion}) -> ${values.out}\n`,
  );
});
