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
  /** Near-instant backoff; short attempt timeout so a stalled request costs 1.5 s. */
  retry: Partial<RetryPolicy>;
  close(): Promise<void>;
}

/** `host=127.0.0.1:port,...` for ODT_GOOGLE_API_ROUTES. */
export function routesEnv(fakes: FirebaseFakes): string {
  return Object.entries(fakes.routes).map(([host, target]) => `${host}=${target}`).join(',');
}

/**
 * Starts the fakes and points the real clients at them the production way, not emulator mode:
 * every client keeps its real https:// host (firebaseml, oauth2, storage.googleapis.com) and
 * sends real tokens, and a routing agent carries the connections to the fakes, which check the
 * tokens. The env also names the routes, so code that builds its own session agent is routed too.
 */
export async function startHarness(): Promise<Harness> {
  const fakes = await startFirebaseFakes({ buckets: [BUCKET] });
  const dir = await mkdtemp(join(tmpdir(), 'odt-publishers-'));
  const keyPath = join(dir, 'service-account.json');
  await writeFile(keyPath, JSON.stringify(fakes.createServiceAccount()));
  delete process.env.STORAGE_EMULATOR_HOST;
  delete process.env.FIREBASE_STORAGE_EMULATOR_HOST;
  const env: NodeJS.ProcessEnv = { GOOGLE_APPLICATION_CREDENTIALS: keyPath, HOME: dir, CLOUDSDK_CONFIG: join(dir, 'gcloud'), ODT_GOOGLE_API_ROUTES: routesEnv(fakes) };
  process.env.GOOGLE_APPLICATION_CREDENTIALS = keyPath;
  const agent = new LoopbackRoutingAgent(fakes.routes);
  return {
    fakes,
    dir,
    registry: createTestRegistry(dir),
    keyPath,
    env,
    agent,
    retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 5, attemptTimeoutMs: 1500 },
    async close() {
      agent.close();
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
  h.fakes.ml.deniedAccounts.clear();
  h.fakes.storage.deniedAccounts.clear();
  h.fakes.storage.beforeResumableFinalise = undefined;
  h.fakes.ml.beforeCreate = undefined;
  h.fakes.oauth.deadOnArrival = 0;
}
