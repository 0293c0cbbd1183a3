import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32cBase64 } from './crc32c.ts';
import { startFirebaseFakes, type FirebaseFakes } from './firebase-fakes.ts';
import { flatbufferProblem } from './ml-model-rules.ts';

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

  it('Storage evaluates ifGenerationMatch of a resumable upload when it is finalised, not at the start', async () => {
    const start = () => call('POST', '127.0.0.1', '/upload/storage/v1/b/b/o?uploadType=resumable&name=r.json&ifGenerationMatch=0', '{}', { 'content-type': 'application/json' });
    expect((await start()).status).toBe(200);
    // The object appears between session start and finalise (a concurrent writer).
    fakes.storage.store.put('b', 'r.json', Buffer.from('{"other":1}'), {});
    const sessions = (fakes.storage as unknown as { sessions: Map<string, unknown> }).sessions;
    const uploadId = [...sessions.keys()].at(-1)!;
    const finalise = await call('PUT', '127.0.0.1', `/upload/storage/v1/b/b/o?uploadType=resumable&name=r.json&upload_id=${uploadId}`, '{"mine":1}', { 'content-range': 'bytes 0-9/10' });
    expect(finalise.status).toBe(412);
    expect(fakes.storage.store.get('b', 'r.json')!.bytes.toString()).toBe('{"other":1}');
    // A session started while the object exists still starts (the check waits for the end).
    expect((await start()).status).toBe(200);
  });

  it('Storage on the production host checks tokens: none -> 401, account without a role -> 403; emulator host is unauthenticated', async () => {
    const path = '/storage/v1/b/b/o/x.json';
    const none = await call('GET', 'storage.googleapis.com', path);
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body).error.errors[0].reason).toBe('authError');
    fakes.oauth.tokens.set('tok-denied', { clientEmail: 'nobody@p.iam.gserviceaccount.com', expiresAtMs: Date.now() + 60_000, scopes: [] });
    fakes.storage.deniedAccounts.add('nobody@p.iam.gserviceaccount.com');
    const denied = await call('GET', 'storage.googleapis.com', path, undefined, { authorization: 'Bearer tok-denied' });
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body).error.message).toContain('does not have storage.objects.get access');
    fakes.oauth.tokens.set('tok-revoked', { clientEmail: 'a@p.iam.gserviceaccount.com', expiresAtMs: 0, scopes: [] });
    expect((await call('GET', 'storage.googleapis.com', path, undefined, { authorization: 'Bearer tok-revoked' })).status).toBe(401);
    expect((await call('GET', '127.0.0.1', path)).status).toBe(200);
  });

  it('ML: display names must start with a letter; a duplicate create is a done operation with code 6', async () => {
    fakes.oauth.tokens.set('tok-ml', { clientEmail: 'a@p.iam.gserviceaccount.com', expiresAtMs: Date.now() + 60_000, scopes: [] });
    const auth = { authorization: 'Bearer tok-ml', 'content-type': 'application/json' };
    const create = (displayName: string) => call('POST', 'firebaseml.googleapis.com', `/v1beta2/projects/${fakes.projectId}/models`, JSON.stringify({ displayName }), auth);
    for (const bad of ['9digits_v1', '_digits_v1', 'x'.repeat(33), 'a.b']) expect((await create(bad)).status, bad).toBe(400);
    const first = await create('digits_v1');
    expect(first.status).toBe(200);
    const dup = await create('digits_v1');
    expect(dup.status).toBe(200);
    expect(JSON.parse(dup.body)).toMatchObject({ done: true, error: { code: 6, message: "Model 'digits_v1' already exists" } });
    expect([...fakes.ml.models.values()].filter((m) => m.displayName === 'digits_v1')).toHaveLength(1);
    // Publishing a model without a verified file: a done operation with code 9.
    const id = [...fakes.ml.models.values()].find((m) => m.displayName === 'digits_v1')!.id;
    const publish = await call('PATCH', 'firebaseml.googleapis.com', `/v1beta2/projects/${fakes.projectId}/models/${id}?updateMask=state.published`, JSON.stringify({ state: { published: true } }), auth);
    expect(publish.status).toBe(200);
    expect(JSON.parse(publish.body)).toMatchObject({ done: true, error: { code: 9, message: 'Cannot publish a model that is not verified.' } });
  });

  it('ML: a failed validation keeps the new file URI, drops size and hash, and parses the flatbuffer', async () => {
    fakes.oauth.tokens.set('tok-ml2', { clientEmail: 'a@p.iam.gserviceaccount.com', expiresAtMs: Date.now() + 60_000, scopes: [] });
    const auth = { authorization: 'Bearer tok-ml2', 'content-type': 'application/json' };
    // TFL3 identifier present but the root table offset points outside the file.
    const bogus = Buffer.alloc(64, 0xee);
    bogus.writeUInt32LE(4096, 0);
    bogus.write('TFL3', 4, 'latin1');
    expect(flatbufferProblem(bogus)).toContain('root table');
    fakes.storage.store.put('b', 'bad.tflite', bogus, {});
    const signed = `https://storage.googleapis.com/b/bad.tflite?X-Goog-Signature=ab&X-Goog-Date=${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')}&X-Goog-Expires=600`;
    const res = await call('POST', 'firebaseml.googleapis.com', `/v1beta2/projects/${fakes.projectId}/models`, JSON.stringify({ displayName: 'bad_v1', tfliteModel: { gcsTfliteUri: signed } }), auth);
    const opName = JSON.parse(res.body).name as string;
    const op = await call('GET', 'firebaseml.googleapis.com', `/v1beta2/${opName}`, undefined, auth);
    const model = JSON.parse(op.body).response;
    expect(model.state.validationError.message).toBe('Invalid flatbuffer format');
    expect(model.tfliteModel.gcsTfliteUri).toBe('gs://b/bad.tflite');
    expect(model.modelHash).toBeUndefined();
    expect(model.tfliteModel.sizeBytes).toBeUndefined();
  });
});
