import { request } from 'node:https';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoopbackRoutingAgent, SessionAgent } from './routing-agent.ts';

function get(url: string, agent: SessionAgent): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end();
  });
}

let silent: Server;
let port = 0;
beforeAll(async () => {
  silent = createServer((socket) => socket.on('data', () => undefined)); // accepts, never answers
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  port = (silent.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => silent.close(() => resolve())));

describe('SessionAgent: the one agent a publish session owns', () => {
  it('connects with TLS like https.Agent in production (here: refused port -> ECONNREFUSED), and refuses every connection once closed', async () => {
    const agent = new SessionAgent();
    expect(await get('https://127.0.0.1:1/', agent).catch((e: { code?: string }) => e.code)).toBe('ECONNREFUSED');
    agent.close();
    expect(await get('https://127.0.0.1:1/', agent).catch((e: { code?: string }) => e.code)).toBe('ABORT_ERR');
  });

  it('abortInFlight cancels a stalled request at once with ABORT_ERR (a code no client re-sends)', async () => {
    const agent = new LoopbackRoutingAgent({ 'storage.googleapis.com': `127.0.0.1:${port}` });
    const pending = get('https://storage.googleapis.com/x', agent).catch((e: { code?: string }) => e.code);
    await new Promise((resolve) => setTimeout(resolve, 100));
    agent.abortInFlight(new Error('attempt timed out'));
    expect(await pending).toBe('ABORT_ERR');
    expect(await get('https://example.com/', agent).catch((e: { message: string }) => e.message)).toContain('refusing to leave the machine');
    agent.close();
  });
});
