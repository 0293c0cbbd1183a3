import { parseArgs } from 'node:util';
import { resolve, join } from 'node:path';
import { runCli } from '@odt/cli-kit';
import { callBridge } from '@odt/bridge-client';
import { stageDirs } from './stage-paths.ts';

// `nx run model:verify`: runs the converted file in the plain LiteRT interpreter and writes
// verify-report.json, which publish requires. A failed check exits 35 with the report kept.
await runCli(async () => {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'out/model' }, steps: { type: 'string', default: '20' } }, strict: true });
  const dirs = stageDirs(values.out);
  const result = await callBridge<{ passed: boolean; checks: Array<{ name: string; passed: boolean; detail?: unknown }> }>(
    'verify',
    {
      convertDir: resolve(dirs.convert),
      contractPath: resolve(join(dirs.train, 'contract.json')),
      heldoutDir: resolve(join(dirs.train, 'heldout')),
      outDir: resolve(dirs.verify),
      steps: Number(values.steps),
    },
    { onLog: (line) => process.stderr.write(`  bridge: ${line}\n`) },
  );
  for (const check of result.checks ?? []) process.stdout.write(`  ${check.passed ? 'ok  ' : 'FAIL'} ${check.name}\n`);
  process.stdout.write(`verify: ${result.passed ? 'passed' : 'FAILED'} -> ${join(dirs.verify, 'verify-report.json')}\n`);
});
