import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Agent } from 'node:http';
import type { Storage as StorageClient, StorageOptions } from '@google-cloud/storage';
import { cert, deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getMachineLearning, type MachineLearning } from 'firebase-admin/machine-learning';
import { OdtError } from '@odt/cli-kit';
import type { ResolvedCredentials } from './credentials.ts';
import { LoopbackRoutingAgent, parseRoutes, ROUTES_ENV, SessionAgent } from './transport/routing-agent.ts';

/** The Storage bucket type of @google-cloud/storage. */
export type Bucket = ReturnType<StorageClient['bucket']>;

/** One set of clients per publish run, all on one agent the session owns, torn down at the end. */
export interface FirebaseSession {
  app: App;
  agent: SessionAgent;
  ml(): MachineLearning;
  bucket(): Bucket;
  /** HTTP status of the last answer `host` gave in this session (firebase-admin's ML errors drop it). */
  lastStatus(host: string): number | undefined;
  /** Cancels the requests in progress (a timed-out or aborted attempt): their sockets are destroyed. */
  cancelInFlight(reason: unknown): void;
  close(): Promise<void>;
}

export interface SessionOptions {
  projectId: string;
  bucket: string;
  credentials: ResolvedCredentials;
  /** A session agent to use instead of one of its own (tests share one); not closed by the session. */
  agent?: Agent;
  env?: NodeJS.ProcessEnv;
}

// @google-cloud/storage and the google-auth-library it was built against (its own copy).
const requireHere = createRequire(import.meta.url);
const requireFromStorage = createRequire(requireHere.resolve('@google-cloud/storage'));
const { Storage } = requireFromStorage('@google-cloud/storage') as typeof import('@google-cloud/storage');
const { GoogleAuth } = requireFromStorage('google-auth-library') as { GoogleAuth: new (options: Record<string, unknown>) => NonNullable<StorageOptions['authClient']> };
/**
 * teeny-request (the Storage client's JSON/multipart transport) takes no agent option: it keeps
 * one keep-alive agent per scheme in this module-level pool (`forever: true` in the Storage
 * client's request defaults). A session puts its own agent there while it is open and restores
 * the previous one when it closes (sessions nest, e.g. a rival publisher inside a test hook).
 */
const teenyPool = (requireFromStorage('teeny-request/build/src/agents.js') as { pool: Map<string, unknown> }).pool;
const TEENY_HTTPS_KEY = 'https:forever';

/**
 * Switches off firebase-admin's own re-sends for Firebase ML (its HttpClient defaultRetryConfig:
 * 503 and ECONNRESET/ETIMEDOUT, up to 4 times, with timers of 1-4 s). They run on timers the
 * publisher cannot cancel, so after an attempt was cancelled a re-send could still land later,
 * and they multiplied with the publisher's policy. The publisher's p-retry policy is the one
 * layer. There is no public option for it: this sets `retry` of the ML client's HttpClient to
 * null (firebase-admin 13.9.0: MachineLearning.client.httpClient, RequestClient.isRetryEligible
 * returns false without it), and fails loudly if that shape ever changes.
 */
function withoutFirebaseAdminRetries(ml: MachineLearning): MachineLearning {
  const httpClient = (ml as unknown as { client?: { httpClient?: { retry?: unknown } } }).client?.httpClient;
  if (!httpClient || !('retry' in httpClient)) {
    throw new OdtError('INTERNAL', 'firebase-admin\'s machine-learning client no longer has client.httpClient.retry; cannot switch its re-sends off (written for 13.9.0)');
  }
  httpClient.retry = null;
  return ml;
}

const STORAGE_SCOPES = ['https://www.googleapis.com/auth/devstorage.full_control'];

/**
 * Builds the clients of one run on one agent the session owns (unless one is given):
 * - firebase-admin (Firebase ML, its token fetches): app option `httpAgent`, and `cert(path,
 *   agent)` for an explicit key file; otherwise firebase-admin builds a fresh Application Default
 *   Credential bound to that agent, so a new run never inherits a token the server refused.
 *   Its own ML re-sends are switched off (withoutFirebaseAdminRetries).
 * - Cloud Storage: our own @google-cloud/storage client (not firebase-admin's getStorage, whose
 *   token fetches would bypass the agent) with a GoogleAuth whose transporter uses the agent
 *   (token fetches and resumable uploads, via gaxios) and the agent in teeny-request's pool (JSON
 *   calls and multipart uploads). It talks to storage.googleapis.com with real tokens; the
 *   client's own retries are off, so the publisher's policy is the only one for Storage.
 * With ODT_GOOGLE_API_ROUTES (fakes) the agent routes those host names to loopback.
 */
export function openFirebaseSession(options: SessionOptions): FirebaseSession {
  const env = options.env ?? process.env;
  const routes = env[ROUTES_ENV];
  const given = options.agent;
  const owned = given ? undefined : routes ? new LoopbackRoutingAgent(parseRoutes(routes)) : new SessionAgent();
  const agent = (given ?? owned) as SessionAgent;
  const appOptions: Parameters<typeof initializeApp>[0] = {
    projectId: options.projectId,
    storageBucket: options.bucket,
    httpAgent: agent,
    ...(options.credentials.source === 'option' ? { credential: cert(options.credentials.path, agent) } : {}),
  };
  const app = initializeApp(appOptions, `odt-publish-${randomBytes(6).toString('hex')}`);
  const previousTeenyAgent = teenyPool.get(TEENY_HTTPS_KEY);
  teenyPool.set(TEENY_HTTPS_KEY, agent);
  let storage: StorageClient | undefined;
  let bucket: Bucket | undefined;
  return {
    app,
    agent,
    ml: () => withoutFirebaseAdminRetries(getMachineLearning(app)),
    bucket() {
      if (!bucket) {
        // Emulator mode (STORAGE_EMULATOR_HOST, read by the Storage client itself): plain http to
        // the emulator, no token; the https session agent cannot carry those requests.
        const emulator = Boolean(process.env.STORAGE_EMULATOR_HOST);
        const authClient = new GoogleAuth({
          keyFilename: options.credentials.path,
          scopes: STORAGE_SCOPES,
          projectId: options.projectId,
          clientOptions: emulator ? {} : { transporterOptions: { agent } },
        });
        storage = new Storage({ projectId: options.projectId, authClient, retryOptions: { autoRetry: false, maxRetries: 0 } });
        bucket = storage.bucket(options.bucket);
      }
      return bucket;
    },
    lastStatus: (host) => (agent instanceof SessionAgent ? agent.lastResponses.get(host)?.status : undefined),
    cancelInFlight(reason) {
      if (agent instanceof SessionAgent) agent.abortInFlight(reason);
    },
    async close() {
      await deleteApp(app);
      if (teenyPool.get(TEENY_HTTPS_KEY) === agent) {
        if (previousTeenyAgent === undefined) teenyPool.delete(TEENY_HTTPS_KEY);
        else teenyPool.set(TEENY_HTTPS_KEY, previousTeenyAgent);
      }
      if (owned) owned.close();
      else if (agent instanceof SessionAgent) agent.abortInFlight('the publish session closed');
    },
  };
}
