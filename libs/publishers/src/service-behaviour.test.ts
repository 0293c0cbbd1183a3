import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isOdtError } from '@odt/cli-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FirebaseMlPublisher, type FirebaseMlConfig } from './firebase-ml/firebase-ml-publisher.ts';
import { FirebaseStoragePublisher, type FirebaseStorageConfig } from './firebase-storage/firebase-storage-publisher.ts';
import { resolveCredentials } from './credentials.ts';
import { openFirebaseSession } from './firebase-session.ts';
import { BUCKET, resetFakes, startHarness, type Harness } from './test-support/fakes-harness.ts';

// Acceptance rows of issue 13: each shows the service's real behaviour in the fake (the fake
// cites its source beside the behaviour) and the publisher's outcome, over real HTTP with the
// real firebase-admin and @google-cloud/storage clients.
let h: Harness;
let account: string;
beforeAll(async () => {
  h = await startHarness();
  account = (JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(h.keyPath, 'utf8'))) as { client_email: string }).client_email;
  await h.registry.publish('digits', '1.0.0', { seed: 1 });
  await h.registry.publish('digits', '1.1.0', { seed: 2 });
  await h.registry.publish('broken', '1.0.0', { corruptFlatbuffer: true });
});
afterAll(async () => h.close());
beforeEach(() => resetFakes(h));

const ml = (extra: Partial<FirebaseMlConfig> = {}) => new FirebaseMlPublisher({ bucket: BUCKET, env: h.env, agent: h.agent, retry: h.retry, ...extra });
const storage = (extra: Partial<FirebaseStorageConfig> = {}) => new FirebaseStoragePublisher({ bucket: BUCKET, env: h.env, agent: h.agent, retry: h.retry, ...extra });
const digits = (v = '1.0.0') => h.registry.fetch('digits', v);
const failure = (p: Promise<unknown>) => p.then(() => new Error('expected a failure'), (e: unknown) => e);
const mlRequests = () => h.fakes.requests.filter((r) => r.service === 'ml');
const storageRequests = () => h.fakes.requests.filter((r) => r.service === 'storage');

describe('the fake\'s answers reach firebase-admin 13.9.0 as they do from the service', () => {
  it('duplicate name -> already-exists, publish without a verified file -> failed-precondition, 403 -> unknown-error', async () => {
    const session = openFirebaseSession({ projectId: h.fakes.projectId, bucket: BUCKET, credentials: resolveCredentials({ env: h.env }), agent: h.agent, env: h.env });
    try {
      const ml = session.ml();
      const created = await ml.createModel({ displayName: 'dup_v1' });
      expect(created.validationError).toBe('No model file has been uploaded.');
      expect(await ml.createModel({ displayName: 'dup_v1' }).catch((e: { code: string; message: string }) => [e.code, e.message])).toEqual([
        'machine-learning/already-exists',
        "Model 'dup_v1' already exists",
      ]);
      expect(await ml.publishModel(created.modelId).catch((e: { code: string }) => e.code)).toBe('machine-learning/failed-precondition');
      h.fakes.ml.deniedAccounts.add(account);
      expect(await ml.getModel(created.modelId).catch((e: { code: string }) => e.code)).toBe('machine-learning/unknown-error');
      expect(session.lastStatus('firebaseml.googleapis.com')).toBe(403);
    } finally {
      await session.close();
    }
  });
});

describe('duplicate create', () => {
  it('a rival creates the same name between our list and our create: the service answers a done operation with code 6 (already-exists); the publisher adopts that model -> one model, published, a clear log line', async () => {
    h.fakes.ml.beforeCreate = (displayName) => {
      h.fakes.ml.beforeCreate = undefined;
      const now = new Date().toISOString();
      h.fakes.ml.models.set('rival', { id: 'rival', displayName, tags: ['rival'], createTime: now, updateTime: now, etagCounter: 1, published: true, gcsTfliteUri: `gs://${BUCKET}/elsewhere.tflite`, sizeBytes: 24, modelHash: 'x' });
    };
    const lines: string[] = [];
    const report = await ml({ log: (l) => lines.push(l) }).publish(await digits(), { dryRun: false });
    const models = [...h.fakes.ml.models.values()];
    expect(models.map((m) => m.id)).toEqual(['rival']);
    expect(models[0]!.gcsTfliteUri).toBe(`gs://${BUCKET}/firebase-ml/digits_v1/1.0.0/model.tflite`);
    expect(models[0]!.published).toBe(true);
    expect([...h.fakes.ml.operations.values()].filter((op) => op.error?.code === 6)).toHaveLength(1);
    expect(lines.join('\n')).toMatch(/"digits_v1" already exists .* continuing with model rival/);
    expect(report.actions[1]!.status).toBe('done');
    expect(report.retries).toBe(0);
  });
});

describe('permission errors: CREDENTIALS (exit 50) naming the role, in one attempt', () => {
  it('Firebase ML 403 (no Firebase ML Admin role)', async () => {
    h.fakes.ml.deniedAccounts.add(account);
    const error = await failure(ml().publish(await digits(), { dryRun: false }));
    expect(isOdtError(error, 'CREDENTIALS')).toBe(true);
    expect((error as { exitCode: number }).exitCode).toBe(50);
    expect((error as Error).message).toContain('Firebase ML Admin (roles/firebaseml.admin)');
    expect((error as Error).message).toContain(account);
    expect(mlRequests()).toHaveLength(1); // one attempt: no publisher retry, no firebase-admin re-send
  });

  it('a wrong project (403 PERMISSION_DENIED on the project) names the role and the project', async () => {
    const error = await failure(ml({ projectId: 'someone-elses-project' }).publish(await digits(), { dryRun: false }));
    expect(isOdtError(error, 'CREDENTIALS')).toBe(true);
    expect((error as Error).message).toContain('project someone-elses-project');
    expect(mlRequests()).toHaveLength(1);
  });

  it('Cloud Storage 403 (no Storage Object Admin on the bucket), for both targets', async () => {
    h.fakes.storage.deniedAccounts.add(account);
    for (const publisher of [storage(), ml()]) {
      h.fakes.requests.length = 0;
      const error = await failure(publisher.publish(await digits(), { dryRun: false }));
      expect(isOdtError(error, 'CREDENTIALS')).toBe(true);
      expect((error as Error).message).toContain(`Storage Object Admin (roles/storage.objectAdmin) on bucket ${BUCKET}`);
      expect(storageRequests()).toHaveLength(1);
      expect(mlRequests()).toHaveLength(0);
    }
  });
});

describe('credentials that cannot sign URLs are refused up front (firebase-ml)', () => {
  it('authorized_user (gcloud user login) and external_account without impersonation: CREDENTIALS with the fix, zero requests', async () => {
    const user = join(h.dir, 'adc-user.json');
    await writeFile(user, JSON.stringify({ type: 'authorized_user', client_id: 'id', client_secret: 'secret', refresh_token: 'r' }));
    const wif = join(h.dir, 'wif.json');
    await writeFile(wif, JSON.stringify({ type: 'external_account', audience: '//iam.googleapis.com/x', subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', token_url: 'https://sts.googleapis.com/v1/token', credential_source: { file: '/dev/null' } }));
    for (const path of [user, wif]) {
      const error = await failure(ml({ serviceAccountPath: path, projectId: h.fakes.projectId }).publish(await digits(), { dryRun: false }));
      expect(isOdtError(error, 'CREDENTIALS')).toBe(true);
      expect((error as Error).message).toContain('cannot sign');
      expect((error as { suggestion?: string }).suggestion).toMatch(/service-account key.*Service Account Token Creator/s);
    }
    expect(h.fakes.requests).toHaveLength(0);
  });
});

describe('Storage preconditions are evaluated when a resumable upload is finalised', () => {
  it('a rival moves the channel during our (resumable) pointer upload: the bytes are sent, then 412 at finalise -> VERSION_CONFLICT', async () => {
    await storage({ resumableThresholdBytes: 0 }).publish(await digits('1.0.0'), { dryRun: false });
    const rivalPointer = Buffer.from('{"rival":true}\n');
    h.fakes.storage.beforeResumableFinalise = ({ name }) => {
      if (name.endsWith('channels/latest.json')) h.fakes.storage.store.put(BUCKET, name, rivalPointer, { contentType: 'application/json' });
    };
    h.fakes.requests.length = 0;
    const error = await failure(storage({ resumableThresholdBytes: 0 }).publish(await digits('1.1.0'), { dryRun: false }));
    expect(isOdtError(error, 'VERSION_CONFLICT')).toBe(true);
    const pointerRequests = storageRequests().filter((r) => r.url.includes('uploadType=resumable') && decodeURIComponent(r.url).includes('channels/latest.json'));
    expect(pointerRequests.map((r) => r.method)).toEqual(['POST', 'PUT']); // session started (no 412 there), bytes sent, refused at finalise
    expect(h.fakes.storage.store.get(BUCKET, 'models/digits/channels/latest.json')!.bytes.equals(rivalPointer)).toBe(true);
  });
});

describe('revoked tokens', () => {
  it('a revoked Storage token: CREDENTIALS, not retried as transient', async () => {
    h.fakes.oauth.deadOnArrival = 100; // every token issued now is refused by the services
    const error = await failure(storage().publish(await digits(), { dryRun: false }));
    expect(isOdtError(error, 'CREDENTIALS')).toBe(true);
    expect(storageRequests()).toHaveLength(1);
    const viaMl = await failure(ml().publish(await digits(), { dryRun: false }));
    expect(isOdtError(viaMl, 'CREDENTIALS')).toBe(true); // one fresh session, then CREDENTIALS
  });
});

describe('validation failure', () => {
  it('a file with the TFL3 identifier but no valid root table: the model keeps the new file, reports the error, the publish ends REMOTE_REJECTED without retrying', async () => {
    const v = await h.registry.fetch('broken', '1.0.0');
    const error = await failure(ml().publish(v, { dryRun: false }));
    expect(isOdtError(error, 'REMOTE_REJECTED')).toBe(true);
    expect((error as Error).message).toContain('Invalid flatbuffer format');
    const [model] = [...h.fakes.ml.models.values()];
    expect(model!.gcsTfliteUri).toBe(`gs://${BUCKET}/firebase-ml/broken_v1/1.0.0/model.tflite`);
    expect(model!.published).toBe(false);
    expect(mlRequests().filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});
