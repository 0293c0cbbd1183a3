/**
 * `npm test`: lint, typecheck and test every project through Nx, streaming as usual, keeping the
 * whole log in out/test-logs/ and, when something fails, ending with the lines that say what failed
 * (a CI page that shows only the end of the log still names the failing test). Exits with Nx's status.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { failureLines } from './failure-lines.ts';

const LOG_DIR = join('out', 'test-logs');
const LOG_FILE = join(LOG_DIR, 'npm-test.log');

async function main(): Promise<number> {
  await mkdir(LOG_DIR, { recursive: true });
  const log = createWriteStream(LOG_FILE);
  const nx = spawn('npx', ['nx', 'run-many', '-t', 'lint', 'typecheck', 'test', '--outputStyle=stream', ...process.argv.slice(2)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const [from, to] of [[nx.stdout, process.stdout], [nx.stderr, process.stderr]] as const) {
    from.on('data', (chunk: Buffer) => {
      to.write(chunk);
      log.write(chunk);
    });
  }
  const status = await new Promise<number>((resolve) => {
    nx.on('error', (error) => {
      console.error(`could not start Nx (${error.message}); run \`npm ci\` first`);
      resolve(1);
    });
    nx.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
  await new Promise<void>((resolve) => log.end(resolve));
  if (status !== 0) {
    const lines = failureLines(await readFile(LOG_FILE, 'utf8'));
    console.error(`\nWhat failed (the whole log is ${LOG_FILE}):`);
    console.error(lines.length > 0 ? lines.map((line) => `  ${line}`).join('\n') : '  (no test named a failure; see the log for the failed task above)');
  }
  return status;
}

process.exitCode = await main();
