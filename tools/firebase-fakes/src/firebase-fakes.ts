import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { FaultPlan, type FakeService, type FaultRule } from './faults.ts';
import { sendGoogleError, RPC_STATUS } from './http-util.ts';
import { MlFake } from './ml-fake.ts';
import { OAuthFake } from './oauth-fake.ts';
import { createServiceAccount, type ServiceAccountKeyFile } from './service-account.ts';
import { StorageFake } from './storage-fake.ts';

/** Host names the real clients call; each is routed to this one loopback server. */
export const ML_HOST = 'firebaseml.googleapis.com';
export const OAUTH_HOST = 'oauth2.googleapis.com';
export const STORAGE_HOST = 'storage.googleapis.com';
/**
 * The token endpoint google-auth-library 9 (the copy @google-cloud/storage 7 uses) posts
 * service-account JWT grants to, through gtoken: GOOGLE_TOKEN_URL
 * `https://www.googleapis.com/oauth2/v4/token` (googleapis/node-gtoken src/index.ts).
 */
export const LEGACY_OAUTH_HOST = 'www.googleapis.com';

/** One request as the fakes saw it (for "zero requests" and ordering assertions). */
export interface SeenRequest {
  service: FakeService;
  method: string;
  url: string;
  fault?: string;
}

export interface FirebaseFakesOptions {
  projectId?: string;
  /** Buckets that exist; uploads to any other bucket get 404 like the real service. */
  buckets?: string[];
}

/** Handle on running fakes: state to inspect, faults to inject, routes to hand to the client. */
export interface FirebaseFakes {
  readonly projectId: string;
  readonly port: number;
  /** `host -> 127.0.0.1:port` for a routing agent (ML and OAuth speak HTTPS host names). */
  readonly routes: Record<string, string>;
  /** Value for FIREBASE_STORAGE_EMULATOR_HOST / STORAGE_EMULATOR_HOST (`host:port`). */
  readonly storageEmulatorHost: string;
  readonly oauth: OAuthFake;
  readonly ml: MlFake;
  readonly storage: StorageFake;
  readonly faults: FaultPlan;
  readonly requests: SeenRequest[];
  /** Creates a service account whose JWT grants the OAuth fake accepts. */
  createServiceAccount(): ServiceAccountKeyFile;
  injectFault(rule: FaultRule): void;
  close(): Promise<void>;
}

function serviceFor(req: IncomingMessage): FakeService {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  if (host === ML_HOST) return 'ml';
  if (host === OAUTH_HOST || host === LEGACY_OAUTH_HOST) return 'oauth';
  return 'storage';
}

/**
 * Starts the Firebase ML, Cloud Storage and OAuth2 fakes on one loopback port (127.0.0.1, port
 * 0). Requests are told apart by their Host header, so the real clients keep their real URLs and
 * only the connection is routed here.
 */
export async function startFirebaseFakes(options: FirebaseFakesOptions = {}): Promise<FirebaseFakes> {
  const projectId = options.projectId ?? 'odt-fake-project';
  const faults = new FaultPlan();
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  let port = 0;
  const oauth = new OAuthFake();
  const storage = new StorageFake(() => `http://127.0.0.1:${port}`, oauth);
  for (const bucket of options.buckets ?? []) storage.store.createBucket(bucket);
  const ml = new MlFake(projectId, oauth, storage.store);

  const server = createServer((req, res) => {
    const service = serviceFor(req);
    const seen: SeenRequest = { service, method: req.method ?? 'GET', url: req.url ?? '/' };
    requests.push(seen);
    const fault = faults.take(service, req);
    if (fault) seen.fault = fault.kind === 'status' ? String(fault.status) : fault.kind;
    if (fault?.kind === 'stall') {
      req.resume();
      return; // never answer; closed by the client's timeout or by close()
    }
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      req.resume();
      const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
      sendGoogleError(res, fault.status, RPC_STATUS[fault.status] ?? 'UNKNOWN', `Injected fault: HTTP ${fault.status}`, undefined, headers);
      return;
    }
    if (fault?.kind === 'drop-response') dropResponse(req, res);
    const handler = service === 'ml' ? ml : service === 'oauth' ? oauth : storage;
    handler.handle(req, res).catch((error: Error) => {
      if (!res.headersSent) sendGoogleError(res, 500, 'INTERNAL', `fake failed: ${error.message}`);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  const hostPort = `127.0.0.1:${port}`;

  return {
    projectId,
    port,
    routes: { [ML_HOST]: hostPort, [OAUTH_HOST]: hostPort, [LEGACY_OAUTH_HOST]: hostPort, [STORAGE_HOST]: hostPort },
    storageEmulatorHost: hostPort,
    oauth,
    ml,
    storage,
    faults,
    requests,
    createServiceAccount() {
      const { keyFile, publicKey } = createServiceAccount(projectId);
      oauth.registerServiceAccount(keyFile.client_email, publicKey);
      return keyFile;
    },
    injectFault(rule) {
      faults.add(rule);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Lets the handler act, then cuts the connection instead of sending its answer. */
function dropResponse(req: IncomingMessage, res: ServerResponse): void {
  const cut = () => {
    req.socket.destroy();
    return res;
  };
  res.writeHead = (() => res) as unknown as ServerResponse['writeHead'];
  res.write = (() => true) as ServerResponse['write'];
  res.end = cut as unknown as ServerResponse['end'];
}
