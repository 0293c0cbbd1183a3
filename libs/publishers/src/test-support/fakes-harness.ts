import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFirebaseFakes, type FirebaseFakes } from '@odt/firebase-fakes';
import { LoopbackRoutingAgent } from '../transport/routing-agent.ts';
import type { RetryPolicy } from '../retry.ts';
import { createTestRegistry, type TestRegistry } from './test-registry.ts';

export const BUCKET = 'odt-fake-project.appspot.com';

/** Everything a publisher test needs: running fakes, a key file, an env routed to the fakes. */
export interface Harness {
  fakes: FirebaseFakes;
  dir: string;
  /** A folder registry written by publishToRegistry and read by fetchVerifiedVersion. */
  registry: TestRegistry;
  keyPath: string;
  env: NodeJS.ProcessEnv;
  agent: LoopbackRoutingAgent;
  sleeps: number[];
  /** Instant, recorded backoff; short attempt timeout so a stalled request costs ~0.3 s. */
  retry: Partial<RetryPolicy>;
  close(): Promise<void>;
}

/**
 * Starts the fakes and points the real clients at them the production way: the Storage client
 * through FIREBASE_STORAGE_EMULATOR_HOST (firebase-admin copies it to STORAGE_EMULATOR_HOST, read
 * when the client is built), the ML API and the token endpoint through a routing `httpAgent`.
 */
export async function startHarness(): Promise<Harness> {
  const fakes = await startFirebaseFakes({ buckets: [BUCKET] });
  const dir = await mkdtemp(join(tmpdir(), 'odt-publishers-'));
  const keyPath = join(dir, 'service-account.json');
  await writeFile(keyPath, JSON.stringify(fakes.createServiceAccount()));
  process.env.STORAGE_EMULATOR_HOST = `http://${fakes.storageEmulatorHost}`;
  const env: NodeJS.ProcessEnv = { GOOGLE_APPLICATION_CREDENTIALS: keyPath, HOME: dir, CLOUDSDK_CONFIG: join(dir, 'gcloud') };
  process.env.GOOGLE_APPLICATION_CREDENTIALS = keyPath;
  const agent = new LoopbackRoutingAgent(fakes.routes);
  const sleeps: number[] = [];
  return {
    fakes,
    dir,
    registry: createTestRegistry(dir),
    keyPath,
    env,
    agent,
    sleeps,
    retry: {
      attempts: 5,
      attemptTimeoutMs: 1500,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    },
    async close() {
      agent.destroy();
      await fakes.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Clears state between tests of one file (models, objects, faults, request log). */
export function resetFakes(h: Harness): void {
  h.fakes.ml.models.clear();
  h.fakes.ml.operations.clear();
  h.fakes.faults.clear();
  h.fakes.requests.length = 0;
  for (const objects of h.fakes.storage.store.buckets.values()) objects.clear();
  h.sleeps.length = 0;
}
