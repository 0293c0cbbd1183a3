import { resolve, join } from 'node:path';
import { OdtError, parseStageArgs, runCli } from '@odt/cli-kit';
import { callBridge } from '@odt/bridge-client';
import { stageDirs } from './stage-paths.ts';

const USAGE = 'usage: model:verify [--out out/model] [--steps 20] [--help]';

// `nx run model:verify`: runs the converted file in the plain LiteRT interpreter and writes
// verify-report.json, which publish requires. A failed check exits 35 with the report kept.
await runCli(async () => {
  const values = parseStageArgs(USAGE, { out: { type: 'string', default: 'out/model' }, steps: { type: 'string', default: '20' } });
  if (!values) return;
  const steps = Number(values.steps);
  if (!Number.isInteger(steps) || steps < 1 || steps > 10_000) {
    throw new OdtError('USAGE', `--steps must be a whole number from 1 to 10000, got "${values.steps}"`, { suggestion: USAGE });
  }
  const dirs = stageDirs(values.out);
  const result = await callBridge<{ passed: boolean; checks: Array<{ name: string; passed: boolean; detail?: unknown }> }>(
    'verify',
    {
      convertDir: resolve(dirs.convert),
      contractPath: resolve(join(dirs.train, 'contract.json')),
      heldoutDir: resolve(join(dirs.train, 'heldout')),
      outDir: resolve(dirs.verify),
      steps,
    },
    { onLog: (line) => process.stderr.write(`  bridge: ${line}\n`) },
  );
  for (const check of result.checks ?? []) process.stdout.write(`  ${check.passed ? 'ok  ' : 'FAIL'} ${check.name}\n`);
  process.stdout.write(`verify: ${result.passed ? 'passed' : 'FAILED'} -> ${join(dirs.verify, 'verify-report.json')}\n`);
});
