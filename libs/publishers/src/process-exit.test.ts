import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUCKET, resetFakes, routesEnv, startHarness, type Harness } from './test-support/fakes-harness.ts';

// The real CLI in a child process against the fakes: no forced process.exit anywhere, so these
// measure how long the process lives after the publish starts and after its last line.
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const cli = resolve(here, 'cli/main.ts');

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.registry.publish('digits', '1.0.0');
});
afterAll(async () => h.close());
beforeEach(() => resetFakes(h));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** ms from the publisher's first line ("mirroring ...") to the process exit. */
  publishToExitMs: number;
  /** ms from the last output line to the process exit. */
  lastLineToExitMs: number;
}

function runCli(args: string[]): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'publish', ...args], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        HOME: h.dir,
        CLOUDSDK_CONFIG: resolve(h.dir, 'gcloud'),
        GOOGLE_APPLICATION_CREDENTIALS: h.keyPath,
        ODT_GOOGLE_API_ROUTES: routesEnv(h.fakes),
        MODEL_SIGNING_PUBLIC_KEY: h.registry.publicPem,
      },
    });
    let stdout = '';
    let stderr = '';
    let started = 0;
    let last = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      last = performance.now();
      if (!started && stdout.includes('mirroring')) started = last;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      last = performance.now();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const end = performance.now();
      resolvePromise({ code, stdout, stderr, publishToExitMs: Math.round(end - started), lastLineToExitMs: Math.round(end - last) });
    });
  });
}

const base = ['--target', 'firebase-storage', '--registry', '', '--name', 'digits', '--version', '1.0.0', '--bucket', BUCKET];
const args = (...extra: string[]) => [...base.map((a) => a || h.registry.dir), ...extra];

describe('the publish process ends on its own (no process.exit timers)', () => {
  it('a publish against a fake that never answers ends within its configured timeout (--timeout-ms 3000), exit 52', async () => {
    h.fakes.injectFault({ service: 'storage', times: Infinity, action: { kind: 'stall' } });
    const run = await runCli(args('--timeout-ms', '3000'));
    console.log(`stalled fake, --timeout-ms 3000: publish start -> process exit ${run.publishToExitMs} ms; last line -> exit ${run.lastLineToExitMs} ms`);
    expect(run.code).toBe(52);
    expect(run.stderr).toContain('did not finish within its timeout of 3000 ms');
    // A leaked socket or timer would keep the process alive for good (the fake never answers);
    // the margins only absorb a loaded CI machine.
    expect(run.publishToExitMs).toBeLessThan(3000 + 3000);
    expect(run.lastLineToExitMs).toBeLessThan(2000);
  }, 30_000);

  it('a stalled upload cancelled after --attempt-timeout-ms 1000 and retried: the publish succeeds and the process exits at once (the abandoned socket was destroyed)', async () => {
    h.fakes.injectFault({ service: 'storage', method: 'POST', path: /model\.tflite/, times: 1, action: { kind: 'stall' } });
    const run = await runCli(args('--attempt-timeout-ms', '1000'));
    console.log(`one stalled upload, --attempt-timeout-ms 1000: publish start -> exit ${run.publishToExitMs} ms; last line -> exit ${run.lastLineToExitMs} ms`);
    expect(run.code, run.stderr).toBe(0);
    expect(h.fakes.storage.store.get(BUCKET, 'models/digits/channels/latest.json')).toBeDefined();
    expect(run.lastLineToExitMs).toBeLessThan(2000);
  }, 30_000);
});
