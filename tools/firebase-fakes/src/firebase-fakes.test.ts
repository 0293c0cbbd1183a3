import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32cBase64 } from './crc32c.ts';
import { startFirebaseFakes, type FirebaseFakes } from './firebase-fakes.ts';

let fakes: FirebaseFakes;
beforeAll(async () => {
  fakes = await startFirebaseFakes({ buckets: ['b'] });
});
afterAll(async () => fakes.close());

function call(method: string, host: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: fakes.port, method, path, headers: { host, ...headers } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('firebase fakes enforce what the real services enforce', () => {
  it('crc32c matches the published test vector', () => {
    // RFC 3720 B.4: 32 bytes of zeros -> 0x8a9136aa
    expect(Buffer.from(crc32cBase64(Buffer.alloc(32)), 'base64').readUInt32BE()).toBe(0x8a9136aa);
  });

  it('ML API answers 401 without a bearer token and with an unknown one', async () => {
    const none = await call('GET', 'firebaseml.googleapis.com', `/v1beta2/projects/${fakes.projectId}/models`);
    const bogus = await call('GET', 'firebaseml.googleapis.com', `/v1beta2/projects/${fakes.projectId}/models`, undefined, { authorization: 'Bearer nope' });
    expect([none.status, bogus.status]).toEqual([401, 401]);
    expect(JSON.parse(none.body).error.status).toBe('UNAUTHENTICATED');
  });

  it('token endpoint refuses an assertion not signed by a known key', async () => {
    const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: 'a.b.c' }).toString();
    const res = await call('POST', 'oauth2.googleapis.com', '/token', form, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toBe('invalid_grant');
  });

  it('Storage applies ifGenerationMatch: create-only succeeds once, then 412', async () => {
    const upload = () => call('POST', '127.0.0.1', '/upload/storage/v1/b/b/o?uploadType=media&name=x.json&ifGenerationMatch=0', '{}', { 'content-type': 'application/json' });
    expect((await upload()).status).toBe(200);
    const second = await upload();
    expect(second.status).toBe(412);
    expect(JSON.parse(second.body).error.errors[0].reason).toBe('conditionNotMet');
  });

  it('Storage answers 404 for a bucket that does not exist', async () => {
    const res = await call('GET', '127.0.0.1', '/storage/v1/b/missing/o/x');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body).error.message).toBe('The specified bucket does not exist.');
  });
});
