import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { Agent, type AgentOptions } from 'node:https';
import { connect, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { OdtError } from '@odt/cli-kit';

/** Env variable naming host overrides, `host=127.0.0.1:port,...`; for local fakes only. */
export const ROUTES_ENV = 'ODT_GOOGLE_API_ROUTES';

/** The error a cancelled request fails with. Its code is not one firebase-admin re-sends (it re-sends only ECONNRESET/ETIMEDOUT). */
export function cancelledError(reason: unknown): Error {
  const error = new Error(`request cancelled: ${reason instanceof Error ? reason.message : String(reason)}`);
  return Object.assign(error, { code: 'ABORT_ERR', name: 'AbortError' });
}

/** The last HTTP answer a host gave through one agent (firebase-admin's ML errors drop the status). */
export interface SeenResponse {
  host: string;
  method: string;
  path: string;
  status: number;
}

const agentsWatching = new Set<SessionAgent>();
let subscribed = false;
function watchResponses(agent: SessionAgent): void {
  agentsWatching.add(agent);
  if (subscribed) return;
  subscribed = true;
  // Node publishes every finished client response here; each agent keeps the ones it carried.
  subscribe('http.client.response.finish', (message) => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    const agent = (request as ClientRequest & { agent?: unknown }).agent;
    if (agent instanceof SessionAgent && agentsWatching.has(agent)) {
      agent.lastResponses.set(request.host, { host: request.host, method: request.method, path: request.path, status: response.statusCode ?? 0 });
    }
  });
}

/**
 * The one https agent a publish session owns and hands to every client it builds (firebase-admin's
 * ML and token requests, the Storage client's JSON and upload requests, the Storage auth client's
 * token fetches). Owning it is what makes cancellation real: `abortInFlight` destroys the sockets
 * of the requests in progress (the request fails at once with ABORT_ERR, no late answer lands),
 * and `close` refuses new connections and destroys every socket, so the process ends on its own.
 */
export class SessionAgent extends Agent {
  /** Last answer per host (`firebaseml.googleapis.com`, ...), from Node's http diagnostics channel. */
  readonly lastResponses = new Map<string, SeenResponse>();
  private closed = false;

  constructor(options: AgentOptions = {}) {
    super({ keepAlive: true, maxSockets: 8, ...options });
    watchResponses(this);
  }

  protected refuse(host: string, reason: string): Socket {
    const socket = new Socket();
    process.nextTick(() => socket.destroy(Object.assign(new Error(`${reason} (${host})`), { code: 'ABORT_ERR' })));
    return socket;
  }

  protected open(options: { host?: string; servername?: string }, callback?: (err: Error | null, socket: Duplex) => void): Duplex {
    return (Agent.prototype as unknown as { createConnection(o: unknown, cb?: unknown): Duplex }).createConnection.call(this, options, callback);
  }

  override createConnection(options: { host?: string; servername?: string }, callback?: (err: Error | null, socket: Duplex) => void): Duplex {
    if (this.closed) return this.refuse(options.host ?? '', 'the publish session is closed');
    return this.open(options, callback);
  }

  /** Cancels every request in progress: their sockets are destroyed with an ABORT_ERR error. */
  abortInFlight(reason: unknown): void {
    for (const sockets of Object.values(this.sockets)) for (const socket of sockets ?? []) socket.destroy(cancelledError(reason));
  }

  /** No new connection after this; every socket, busy or idle, is destroyed. */
  close(): void {
    this.closed = true;
    this.abortInFlight('the publish session closed');
    this.destroy();
    agentsWatching.delete(this);
  }
}

/**
 * A session agent that connects Google API host names to loopback fakes and refuses every other
 * host, so a test can never reach the real service. The fakes speak plain HTTP/1.1 on loopback,
 * so the socket carries no TLS: the clients keep their real `https://` URLs, headers and bodies
 * (ML API, OAuth token fetches, and Cloud Storage on its production host with real tokens).
 */
export class LoopbackRoutingAgent extends SessionAgent {
  constructor(private readonly routes: Record<string, string>) {
    super();
  }

  protected override open(options: { host?: string; servername?: string }): Socket {
    const host = options.host ?? options.servername ?? '';
    const target = this.routes[host];
    if (!target) return this.refuse(host, `${ROUTES_ENV} has no route for this host; refusing to leave the machine`);
    const [targetHost, targetPort] = target.split(':') as [string, string];
    return connect({ host: targetHost, port: Number(targetPort) });
  }
}

/** Parses `host=ip:port,host2=ip:port`; only loopback targets are accepted. */
export function parseRoutes(value: string): Record<string, string> {
  const routes: Record<string, string> = {};
  for (const entry of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z0-9.-]+)=(127\.0\.0\.1|localhost):(\d{1,5})$/i.exec(entry);
    if (!m) {
      throw new OdtError('USAGE', `${ROUTES_ENV} entry "${entry}" is not host=127.0.0.1:port`, {
        suggestion: `Use e.g. ${ROUTES_ENV}=firebaseml.googleapis.com=127.0.0.1:8123 (loopback fakes only).`,
      });
    }
    routes[m[1]!.toLowerCase()] = `127.0.0.1:${m[3]}`;
  }
  return routes;
}
