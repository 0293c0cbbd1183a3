import { request } from 'node:http';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '@odt/contract';
import { publishToRegistry } from './publish.ts';
import { serveRegistry } from './serve.ts';
import { makeDraft, tempDir, testKey } from './testing/stage-fixtures.ts';

let root: string;
let served: Awaited<ReturnType<typeof serveRegistry>>;
let model: Buffer;
const MODEL_PATH = '/digits/1.0.0/model.tflite';

beforeAll(async () => {
  root = await tempDir('serve');
  const registry = join(root, 'registry');
  await publishToRegistry({ registry, draftDir: await makeDraft(root, 'a'), signingKey: testKey().key });
  await writeFile(join(root, 'secret.txt'), 'outside the registry');
  await writeFile(join(registry, '.lock'), '{"pid":1}');
  await mkdir(join(registry, 'digits', 'empty-dir'), { recursive: true });
  await writeFile(join(registry, 'empty.txt'), '');
  model = await readFile(join(registry, 'digits', '1.0.0', 'model.tflite'));
  served = await serveRegistry({ root: registry, port: 0 });
});
afterAll(async () => {
  await served?.close();
  await rm(root, { recursive: true, force: true });
});

/** A raw request: the path goes on the wire exactly as given (no URL normalisation). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  const url = new URL(served.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('serve', () => {
  it('serves files with a strong sha256 ETag, content type and immutable caching', async () => {
    const res = await get(MODEL_PATH);
    expect(res.status).toBe(200);
    expect(res.body.equals(model)).toBe(true);
    expect(res.headers.etag).toBe(`"sha256-${sha256Hex(model)}"`);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['cache-control']).toContain('immutable');
    const index = await get('/index.json');
    expect(index.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache');
  });

  it('answers If-None-Match with 304 and no body', async () => {
    const etag = `"sha256-${sha256Hex(model)}"`;
    const res = await get(MODEL_PATH, { 'If-None-Match': `"other", ${etag}` });
    expect(res.status).toBe(304);
    expect(res.body.length).toBe(0);
    expect((await get(MODEL_PATH, { 'If-None-Match': '"sha256-0000"' })).status).toBe(200);
  });

  it('serves byte ranges with 206 and refuses impossible ones with 416', async () => {
    const first = await get(MODEL_PATH, { Range: 'bytes=0-9' });
    expect(first.status).toBe(206);
    expect(first.headers['content-range']).toBe(`bytes 0-9/${model.length}`);
    expect(first.body.equals(model.subarray(0, 10))).toBe(true);
    const suffix = await get(MODEL_PATH, { Range: 'bytes=-16' });
    expect(suffix.body.equals(model.subarray(model.length - 16))).toBe(true);
    const open = await get(MODEL_PATH, { Range: `bytes=${model.length - 5}-` });
    expect(open.body.equals(model.subarray(model.length - 5))).toBe(true);
    const bad = await get(MODEL_PATH, { Range: `bytes=${model.length}-` });
    expect(bad.status).toBe(416);
    expect(bad.headers['content-range']).toBe(`bytes */${model.length}`);
    const stale = await get(MODEL_PATH, { Range: 'bytes=0-9', 'If-Range': '"sha256-old"' });
    expect(stale.status).toBe(200);
    expect(stale.body.length).toBe(model.length);
  });

  it('answers ranges of an empty file with 416 and ignores an inverted range (RFC 9110 §14)', async () => {
    for (const range of ['bytes=-1', 'bytes=-5', 'bytes=0-', 'bytes=0-0']) {
      const res = await get('/empty.txt', { Range: range });
      expect(res.status, range).toBe(416);
      expect(res.headers['content-range'], range).toBe('bytes */0');
    }
    const whole = await get('/empty.txt');
    expect(whole.status).toBe(200);
    expect(whole.headers['content-length']).toBe('0');
    const inverted = await get(MODEL_PATH, { Range: 'bytes=9-3' });
    expect(inverted.status).toBe(200);
    expect(inverted.body.length).toBe(model.length);
  });

  it.each(['/../secret.txt', '/%2e%2e/secret.txt', '/digits/..%2f..%2fsecret.txt', '/digits/1.0.0/..\\..\\..\\secret.txt', '/.lock', '/%00'])(
    'refuses %s',
    async (path) => {
      const res = await get(path);
      expect([403, 404]).toContain(res.status);
      expect(res.body.toString()).not.toContain('outside the registry');
    },
  );

  it('is read-only and answers HEAD without a body', async () => {
    const head = await get(MODEL_PATH, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(model.length));
    expect(head.body.length).toBe(0);
    for (const method of ['PUT', 'DELETE', 'POST']) {
      const res = await get(MODEL_PATH, {}, method);
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
    }
    expect((await get('/digits/empty-dir')).status).toBe(404);
    expect((await get('/nope.json')).status).toBe(404);
  });
});
