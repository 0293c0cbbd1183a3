import { dirname, join } from 'node:path';
import { parseStageArgs, runCli } from '@odt/cli-kit';
import { isPretrainedConfig } from '@odt/contract';
import { computeFeatures, loadModelConfig } from '@odt/training';

const USAGE = 'usage: model:features [--config apps/model/model.config.json] [--out out/model/features] [--cache <out>/../features-cache] [--help]';

// `nx run model:features`: for a pretrained base, every sample's embedding from the frozen base,
// content-addressed cached (a head-only config change is a hit); for a layer base, nothing.
await runCli(async () => {
  const values = parseStageArgs(USAGE, {
    config: { type: 'string', default: 'apps/model/model.config.json' },
    out: { type: 'string', default: 'out/model/features' },
    cache: { type: 'string' },
  });
  if (!values) return;
  const { config, configDir } = await loadModelConfig(values.config);
  if (!isPretrainedConfig(config)) {
    process.stdout.write(`features: ${config.name} has a layer base (trained end to end by model:train); nothing to compute, nothing written\n`);
    return;
  }
  const cacheDir = values.cache ?? join(dirname(values.out), 'features-cache');
  const started = performance.now();
  const { manifest, cacheHit } = await computeFeatures({ config, configDir, outDir: values.out, cacheDir });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    cacheHit
      ? `features: cache hit key ${manifest.key.slice(0, 16)} (${manifest.count} features of ${manifest.embeddingSize}) in ${seconds}s -> ${values.out}\n`
      : `features: computed ${manifest.count} features of ${manifest.embeddingSize} in ${seconds}s (key ${manifest.key.slice(0, 16)}) -> ${values.out}\n`,
  );
});
