import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// `npx nx run android-sample:simulate -- --registry <url|gs://bucket/prefix> --channel stable ...`:
// builds the simulator module with Maven (through tools/provision's run-maven, which finds a JDK
// 22+) and runs it once with the given arguments (the `simulate` profile of simulator/pom.xml).
// The arguments travel as one Maven property, each one quoted for the exec plugin's splitter.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const quote = (arg: string) => (arg.includes("'") ? `"${arg}"` : `'${arg}'`);
const args = process.argv.slice(2).filter((arg) => arg !== '--');
const result = spawnSync(
  'node',
  [
    '--import',
    'tsx',
    'tools/provision/src/run-maven.ts',
    '-B',
    '-q',
    '--no-transfer-progress',
    '-f',
    'apps/android-sample/pom.xml',
    '-pl',
    'simulator',
    '-am',
    'package',
    '-DskipTests',
    `-Dodt.sim.args=${args.map(quote).join(' ') || '--help'}`,
  ],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
