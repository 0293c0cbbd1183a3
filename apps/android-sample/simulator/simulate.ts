import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// `npx nx run android-sample:simulate -- --registry <url|gs://bucket/prefix> --channel stable ...`:
// builds the simulator module with Maven (through tools/provision's run-maven, which finds a JDK
// 22+) and runs it once with the given arguments (the `simulate` profile of simulator/pom.xml).
// The arguments travel as one Maven property, each one quoted for the exec plugin's splitter. The
// simulator's own exit status (0 installed/up to date, 2 refused with nothing installed, 3 refused
// but still running its installed version, 14 bad command line) comes back through a status file,
// because Maven reports every accepted status as success.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const quote = (arg: string) => (arg.includes("'") ? `"${arg}"` : `'${arg}'`);
const args = process.argv.slice(2).filter((arg) => arg !== '--');
const statusDir = mkdtempSync(join(tmpdir(), 'odt-simulate-'));
const statusFile = join(statusDir, 'status');
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
    `-Dodt.sim.statusFile=${statusFile}`,
  ],
  { cwd: root, stdio: 'inherit' },
);
let status = result.status ?? 1;
try {
  if (status === 0) status = Number.parseInt(readFileSync(statusFile, 'utf8'), 10);
} catch {
  status = 1; // Maven succeeded but the simulator never ran to its end
} finally {
  rmSync(statusDir, { recursive: true, force: true });
}
process.exit(Number.isInteger(status) ? status : 1);
