import { randomBytes } from 'node:crypto';
import type { Agent } from 'node:http';
import { cert, deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getMachineLearning, type MachineLearning } from 'firebase-admin/machine-learning';
import { getStorage } from 'firebase-admin/storage';
import type { ResolvedCredentials } from './credentials.ts';
import { LoopbackRoutingAgent, parseRoutes, ROUTES_ENV } from './transport/routing-agent.ts';

/** The Storage bucket type firebase-admin hands out (from @google-cloud/storage). */
export type Bucket = ReturnType<ReturnType<typeof getStorage>['bucket']>;

/** One firebase-admin app per publish run, torn down at the end. */
export interface FirebaseSession {
  app: App;
  ml(): MachineLearning;
  bucket(): Bucket;
  close(): Promise<void>;
}

export interface SessionOptions {
  projectId: string;
  bucket: string;
  credentials: ResolvedCredentials;
  /** Overrides the agent; by default ODT_GOOGLE_API_ROUTES (fakes) or Node's default agent. */
  agent?: Agent;
  env?: NodeJS.ProcessEnv;
}

/**
 * Builds a firebase-admin app for one run. An explicit key file goes through `cert(path, agent)`;
 * otherwise the app gets no credential so firebase-admin creates a fresh Application Default
 * Credential bound to this app's `httpAgent` (ADC honours GOOGLE_APPLICATION_CREDENTIALS), which
 * also means a new run never inherits a token the server already refused. The Storage client's
 * own retries are switched off so the publisher's bounded policy is the only one.
 */
export function openFirebaseSession(options: SessionOptions): FirebaseSession {
  const env = options.env ?? process.env;
  const routes = env[ROUTES_ENV];
  const ownedAgent = !options.agent && routes ? new LoopbackRoutingAgent(parseRoutes(routes)) : undefined;
  const agent = options.agent ?? ownedAgent;
  const appOptions: Parameters<typeof initializeApp>[0] = {
    projectId: options.projectId,
    storageBucket: options.bucket,
    ...(agent ? { httpAgent: agent } : {}),
    ...(options.credentials.source === 'option' ? { credential: cert(options.credentials.path, agent) } : {}),
  };
  const app = initializeApp(appOptions, `odt-publish-${randomBytes(6).toString('hex')}`);
  let bucket: Bucket | undefined;
  return {
    app,
    ml: () => getMachineLearning(app),
    bucket() {
      if (!bucket) {
        bucket = getStorage(app).bucket(options.bucket);
        bucket.storage.retryOptions.autoRetry = false;
      }
      return bucket;
    },
    async close() {
      await deleteApp(app);
      ownedAgent?.destroy();
    },
  };
}
