import { Agent } from 'node:https';
import { connect, Socket } from 'node:net';
import { OdtError } from '@odt/cli-kit';

/** Env variable naming host overrides, `host=127.0.0.1:port,...`; for local fakes only. */
export const ROUTES_ENV = 'ODT_GOOGLE_API_ROUTES';

/**
 * An https agent that connects Google API host names to loopback fakes and refuses every other
 * host, so a test can never reach the real service. The fakes speak plain HTTP/1.1 on loopback,
 * so the socket carries no TLS: the clients keep their real `https://` URLs, headers and bodies.
 * Handed to firebase-admin as app option `httpAgent` (ML API and the OAuth token fetch).
 */
export class LoopbackRoutingAgent extends Agent {
  constructor(private readonly routes: Record<string, string>) {
    super({ keepAlive: true, maxSockets: 8 });
  }

  // Node's Agent uses the returned socket; the callback form is not needed.
  override createConnection(options: { host?: string; servername?: string }): Socket {
    const host = options.host ?? options.servername ?? '';
    const target = this.routes[host];
    if (!target) {
      const socket = new Socket();
      process.nextTick(() => socket.destroy(new Error(`${ROUTES_ENV} has no route for ${host}; refusing to leave the machine`)));
      return socket;
    }
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
