import { isOdtError } from '@odt/cli-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FirebaseMlPublisher } from './firebase-ml/firebase-ml-publisher.ts';
import { FirebaseStoragePublisher } from './firebase-storage/firebase-storage-publisher.ts';
import { BUCKET, resetFakes, startHarness, type Harness } from './test-support/fakes-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.registry.publish('digits', '1.0.0');
});
afterAll(async () => h.close());
beforeEach(() => resetFakes(h));

const version = () => h.registry.fetch('digits', '1.0.0');
const ml = () => new FirebaseMlPublisher({ bucket: BUCKET, env: h.env, agent: h.agent, retry: h.retry });
const storage = () => new FirebaseStoragePublisher({ bucket: BUCKET, env: h.env, agent: h.agent, retry: h.retry });
const models = () => [...h.fakes.ml.models.values()];
const modelBytesStored = async () =>
  h.fakes.storage.store.get(BUCKET, 'models/digits/1.0.0/model.tflite')?.bytes.equals((await version()).files.get('model.tflite')!);

describe('publishing through injected faults', () => {
  it('429 on model creation, then success: backs off and ends with exactly one published model', async () => {
    h.fakes.injectFault({ service: 'ml', method: 'POST', path: /\/models$/, times: 2, action: { kind: 'status', status: 429 } });
    const report = await ml().publish(await version(), { dryRun: false });
    expect(models()).toHaveLength(1);
    expect(models()[0]!.published).toBe(true);
    expect(report.retries).toBe(2);

  });

  it('503 storm on Storage uploads, then success: bytes land intact', async () => {
    h.fakes.injectFault({ service: 'storage', path: /^\/upload\//, times: 3, action: { kind: 'status', status: 503 } });
    const report = await storage().publish(await version(), { dryRun: false });
    expect(report.retries).toBe(3);
    expect(await modelBytesStored()).toBe(true);
  });

  it('a 503 storm that never ends fails clearly (REMOTE_UNAVAILABLE); a re-run completes without duplicates', async () => {
    h.fakes.injectFault({ service: 'storage', method: 'POST', path: /manifest\.json/, times: Infinity, action: { kind: 'status', status: 503 } });
    const error = await storage().publish(await version(), { dryRun: false }).catch((e: unknown) => e);
    expect(isOdtError(error, 'REMOTE_UNAVAILABLE')).toBe(true);
    expect(h.fakes.storage.store.get(BUCKET, 'models/digits/channels/latest.json')).toBeUndefined(); // no pointer to a half-written version
    h.fakes.faults.clear();
    h.fakes.requests.length = 0;
    const rerun = await storage().publish(await version(), { dryRun: false });
    expect(rerun.actions.find((a) => a.target.endsWith('model.tflite'))!.status).toBe('skipped');
    expect(h.fakes.requests.filter((r) => r.url.startsWith('/upload/') && r.url.includes('model.tflite'))).toHaveLength(0);
    expect(h.fakes.storage.store.get(BUCKET, 'models/digits/channels/latest.json')).toBeDefined();
  });

  it('ML 503s are retried by the publisher alone: firebase-admin\'s own re-sends are off (one layer)', async () => {
    h.fakes.injectFault({ service: 'ml', method: 'GET', path: /\/models\?/, times: 1, action: { kind: 'status', status: 503 } });
    const report = await ml().publish(await version(), { dryRun: false });
    expect(models()).toHaveLength(1);
    expect(h.fakes.requests.filter((r) => r.fault === '503')).toHaveLength(1);
    expect(report.retries).toBe(1);
  });

  it('an ML 503 storm: exactly one request per publisher attempt (5), not firebase-admin re-sends on top, then REMOTE_UNAVAILABLE', async () => {
    h.fakes.injectFault({ service: 'ml', method: 'GET', path: /\/models\?/, times: Infinity, action: { kind: 'status', status: 503 } });
    const error = await ml().publish(await version(), { dryRun: false }).catch((e: unknown) => e);
    expect(isOdtError(error, 'REMOTE_UNAVAILABLE')).toBe(true);
    expect(h.fakes.requests.filter((r) => r.fault === '503')).toHaveLength(5);
  });

  it('a stalled upload times out and is retried', async () => {
    h.fakes.injectFault({ service: 'storage', method: 'POST', path: /model\.tflite/, times: 1, action: { kind: 'stall' } });
    const report = await storage().publish(await version(), { dryRun: false });
    expect(report.retries).toBe(1);
    expect(await modelBytesStored()).toBe(true);
  });

  it('a connection reset mid-upload is retried', async () => {
    h.fakes.injectFault({ service: 'storage', method: 'POST', path: /model\.tflite/, times: 1, action: { kind: 'reset' } });
    await storage().publish(await version(), { dryRun: false });
    expect(await modelBytesStored()).toBe(true);
  });

  it('a token the server refuses (revoked/expired early) gets one fresh credential and the run succeeds', async () => {
    h.fakes.oauth.deadOnArrival = 1;
    const grantsBefore = h.fakes.oauth.grants;
    await ml().publish(await version(), { dryRun: false });
    // The dead token, the fresh session's token (Storage and ML each hold their own): 3 grants.
    expect(h.fakes.oauth.grants - grantsBefore).toBe(3);
    expect(models()).toHaveLength(1);
    expect(models()[0]!.published).toBe(true);
  });

  it('a token refused twice ends in one clear CREDENTIALS error', async () => {
    h.fakes.oauth.deadOnArrival = 2;
    const error = await ml().publish(await version(), { dryRun: false }).catch((e: unknown) => e);
    expect(isOdtError(error, 'CREDENTIALS')).toBe(true);
    expect((error as Error).message).not.toMatch(/PRIVATE KEY|ya29/);
    h.fakes.oauth.deadOnArrival = 0;
  });

  it('create accepted but its answer lost: the retry re-lists and finds it, no second model is created', async () => {
    h.fakes.injectFault({ service: 'ml', method: 'POST', path: /\/models$/, times: 1, action: { kind: 'drop-response' } });
    await ml().publish(await version(), { dryRun: false });
    expect(models()).toHaveLength(1);
    expect(models()[0]!.published).toBe(true);
    expect(h.fakes.requests.filter((r) => r.method === 'POST' && /\/models$/.test(r.url))).toHaveLength(1);
  });

  it('crash between upload and publish: the run fails clearly, the re-run finds the model by name and publishes it', async () => {
    h.fakes.injectFault({ service: 'ml', method: 'PATCH', path: /updateMask=state\.published/, times: Infinity, action: { kind: 'status', status: 500 } });
    const error = await ml().publish(await version(), { dryRun: false }).catch((e: unknown) => e);
    expect(isOdtError(error, 'REMOTE_UNAVAILABLE')).toBe(true);
    expect(models()).toHaveLength(1);
    expect(models()[0]!.published).toBe(false);
    h.fakes.faults.clear();
    const rerun = await ml().publish(await version(), { dryRun: false });
    expect(models()).toHaveLength(1);
    expect(models()[0]!.published).toBe(true);
    expect(rerun.actions.map((a) => a.status)).toEqual(['skipped', 'skipped', 'skipped', 'done']);
  });
});
