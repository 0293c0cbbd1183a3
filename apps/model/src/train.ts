import { parseStageArgs, runCli } from '@odt/cli-kit';
import { loadModelConfig, trainModel } from '@odt/training';
import { chooseProgress } from './progress-reporter.ts';

const USAGE = 'usage: model:train [--config apps/model/model.config.json] [--out out/model/train] [--features <out>/../features] [--help]';

// `nx run model:train`: parse arguments, validate the config, train, print the headline.
await runCli(async () => {
  const values = parseStageArgs(USAGE, {
        config: { type: 'string', default: 'apps/model/model.config.json' },
        out: { type: 'string', default: 'out/model/train' },
        features: { type: 'string' },
      });
  if (!values) return;
  const { config, configDir } = await loadModelConfig(values.config);
  const result = await trainModel({ config, configDir, outDir: values.out, featuresDir: values.features, progress: chooseProgress() });
  const stop = result.earlyStopping;
  if (stop.stoppedEarly) {
    process.stderr.write(`stopped early after epoch ${stop.lastEpoch}: validation loss had not improved for ${stop.patience} epoch(s) since epoch ${stop.bestEpoch}\n`);
  }
  process.stdout.write(
    `train: ${config.name} test accuracy ${(result.testAccuracy * 100).toFixed(2)}% in ${result.wallSeconds.toFixed(1)}s ` +
      `(${result.samplesPerSecond.toFixed(0)} samples/s, TensorFlow ${result.tfjsTensorflowVersion}) -> ${values.out}\n`,
  );
});
