import { resolve, join } from 'node:path';
import { parseStageArgs, runCli } from '@odt/cli-kit';
import { callBridge } from '@odt/bridge-client';
import { stageDirs } from './stage-paths.ts';

const USAGE = 'usage: model:convert [--out out/model] [--flex] [--help]';

// `nx run model:convert`: the trained tfjs artifacts + contract -> model.tflite (builtin ops,
// trainable), the quantised inference companion and, with --flex, the TFLite-guide flavour.
await runCli(async () => {
  const values = parseStageArgs(USAGE, { out: { type: 'string', default: 'out/model' }, flex: { type: 'boolean', default: true } });
  if (!values) return;
  const dirs = stageDirs(values.out);
  const result = await callBridge<Record<string, any>>(
    'convert',
    {
      tfjsModelDir: resolve(join(dirs.train, 'tfjs')),
      contractPath: resolve(join(dirs.train, 'contract.json')),
      heldoutDir: resolve(join(dirs.train, 'heldout')),
      outDir: resolve(dirs.convert),
      flavours: values.flex ? ['builtin', 'flex'] : ['builtin'],
      quantize: 'dynamic-range',
    },
    { onLog: (line) => process.stderr.write(`  bridge: ${line}\n`) },
  );
  const sizes = result.sizes ?? {};
  process.stdout.write(
    `convert: model.tflite ${sizes.modelBytes} bytes (${JSON.stringify(result.opCounts?.['model.tflite'])}), ` +
      `inference companion ${sizes.inferenceModelBytes} bytes, flex flavour ${sizes.flexModelBytes ?? 'not built'} bytes, ` +
      `${Math.round(result.timings?.totalMs ?? 0)} ms -> ${dirs.convert}\n`,
  );
});
