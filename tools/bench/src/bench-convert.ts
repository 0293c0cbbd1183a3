import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runCli, writeJsonAtomic } from '@odt/cli-kit';
import { callBridge } from '@odt/bridge-client';

// `nx run bench:convert`: conversion time and sizes (from the convert stage's own record) next to
// train-step and infer latency (batch 32) of each flavour in the interpreter, in one run.
await runCli(async () => {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'out/model' }, repeats: { type: 'string', default: '30' }, report: { type: 'string', default: 'out/bench/convert.json' } } });
  const result = await callBridge<Record<string, unknown>>('bench-interpreter', {
    convertDir: resolve(values.out, 'convert'),
    contractPath: resolve(values.out, 'train', 'contract.json'),
    inferBatch: 32,
    repeats: Number(values.repeats),
  });
  const figures = Object.fromEntries(Object.entries(result).filter(([key]) => key !== 'ok'));
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  await writeJsonAtomic(values.report, figures);
});
