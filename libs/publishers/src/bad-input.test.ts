import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isOdtError } from '@odt/cli-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runPublishCommand } from './cli/publish-command.ts';
import { FirebaseMlPublisher } from './firebase-ml/firebase-ml-publisher.ts';
import { FirebaseStoragePublisher } from './firebase-storage/firebase-storage-publisher.ts';
import { readRegistryVersion } from './registry/registry-version.ts';
import { BUCKET, resetFakes, startHarness, type Harness } from './test-support/fakes-harness.ts';
import { fakeTflite, writeRegistryVersion } from './test-support/registry-fixture.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await writeRegistryVersion(h.registry, 'digits', '1.0.0');
  await writeRegistryVersion(h.registry, 'big', '1.0.0', { modelBytes: fakeTflite(64 * 1024, 1) });
  await writeRegistryVersion(h.registry, 'unverified', '1.0.0', { passed: false });
});
afterAll(async () => h.close());
beforeEach(() => resetFakes(h));

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  return run().then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
}

describe('bad input fails clearly before any request', () => {
  it('rejects a display name the service would refuse', async () => {
    const v = await readRegistryVersion(h.registry, 'digits', '1.0.0');
    const error = await failure(() => new FirebaseMlPublisher({ bucket: BUCKET, env: h.env, agent: h.agent, displayName: 'hand.writing_v1' }).publish(v, { dryRun: false }));
    expect(isOdtError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toContain('hand.writing_v1');
    expect(h.fakes.requests).toHaveLength(0);
  });

  it('rejects an over-long explicit display name', async () => {
    const v = await readRegistryVersion(h.registry, 'digits', '1.0.0');
    const error = await failure(() => new FirebaseMlPublisher({ bucket: BUCKET, env: h.env, displayName: 'x'.repeat(33) }).publish(v, { dryRun: false }));
    expect(isOdtError(error, 'CONFIG_INVALID')).toBe(true);
    expect(h.fakes.requests).toHaveLength(0);
  });

  it('rejects a missing or malformed bucket', async () => {
    const v = await readRegistryVersion(h.registry, 'digits', '1.0.0');
    for (const bucket of [undefined, 'gs://odt-fake-project.appspot.com']) {
      const ml = await failure(() => new FirebaseMlPublisher({ bucket, env: h.env }).publish(v, { dryRun: false }));
      const st = await failure(() => new FirebaseStoragePublisher({ bucket, env: h.env }).publish(v, { dryRun: false }));
      expect(isOdtError(ml, 'USAGE') && isOdtError(st, 'USAGE')).toBe(true);
    }
    expect(h.fakes.requests).toHaveLength(0);
  });

  it('reports a bucket that does not exist remotely without uploading anything', async () => {
    const v = await readRegistryVersion(h.registry, 'digits', '1.0.0');
    const error = await failure(() => new FirebaseStoragePublisher({ bucket: 'no-such-bucket', env: h.env, agent: h.agent, retry: h.retry }).publish(v, { dryRun: false }));
    expect(isOdtError(error, 'REMOTE_REJECTED')).toBe(true);
    expect((error as Error).message).toContain('does not exist');
    expect(h.fakes.requests.filter((r) => r.url.startsWith('/upload/'))).toHaveLength(0);
  });

  it('rejects missing credentials with one CREDENTIALS error', async () => {
    const v = await readRegistryVersion(h.registry, 'digits', '1.0.0');
    const env = { HOME: h.dir, CLOUDSDK_CONFIG: join(h.dir, 'no-gcloud') };
    const error = await failure(() => new FirebaseMlPublisher({ bucket: BUCKET, env, agent: h.agent }).publish(v, { dryRun: false }));
    expect(isOdtError(error, 'CREDENTIALS')).toBe(true);
    expect((error as { exitCode: number }).exitCode).toBe(50);
    expect(h.fakes.requests).toHaveLength(0);
  });

  it('rejects an invalid key file without echoing its contents', async () => {
    const bad = join(h.dir, 'bad-key.json');
    await writeFile(bad, JSON.stringify({ type: 'service_account', project_id: 'p', client_email: 'a@b', private_key: 'not-a-key-SECRETVALUE' }));
    const v = await readRegistryVersion(h.registry, 'digits', '1.0.0');
    const error = await failure(() => new FirebaseStoragePublisher({ bucket: BUCKET, env: h.env, serviceAccountPath: bad }).publish(v, { dryRun: false }));
    expect(isOdtError(error, 'CREDENTIALS')).toBe(true);
    expect(JSON.stringify({ m: (error as Error).message, c: (error as { context: unknown }).context })).not.toContain('SECRETVALUE');
    expect(h.fakes.requests).toHaveLength(0);
  });

  it('rejects a model over the size limit', async () => {
    const v = await readRegistryVersion(h.registry, 'big', '1.0.0');
    const error = await failure(() => new FirebaseMlPublisher({ bucket: BUCKET, env: h.env, maxModelBytes: 32 * 1024 }).publish(v, { dryRun: false }));
    expect(isOdtError(error, 'MODEL_TOO_LARGE')).toBe(true);
    expect(h.fakes.requests).toHaveLength(0);
  });

  it('refuses a registry version whose file does not match its sha256, or that failed verification', async () => {
    await writeRegistryVersion(h.registry, 'tampered', '1.0.0');
    await writeFile(join(h.registry, 'tampered', '1.0.0', 'model.tflite'), fakeTflite(2048, 99));
    expect(isOdtError(await failure(() => readRegistryVersion(h.registry, 'tampered', '1.0.0')), 'INTEGRITY_FAILED')).toBe(true);
    expect(isOdtError(await failure(() => readRegistryVersion(h.registry, 'unverified', '1.0.0')), 'NOT_VERIFIED')).toBe(true);
  });

  it('dry run prints the plan and makes no request, even without credentials', async () => {
    const lines: string[] = [];
    const code = await runPublishCommand(
      ['publish', '--target', 'firebase-storage', '--registry', h.registry, '--name', 'digits', '--bucket', BUCKET, '--dry-run'],
      { out: (s) => lines.push(s), env: {} },
    );
    expect(code).toBe(0);
    const text = lines.join('\n');
    expect(text).toContain(`gs://${BUCKET}/models/digits/1.0.0/model.tflite`);
    expect(text).toContain('move-channel-pointer');
    expect(h.fakes.requests).toHaveLength(0);
  });

  it('the CLI publishes for real through ODT_GOOGLE_API_ROUTES', async () => {
    const lines: string[] = [];
    const routes = Object.entries(h.fakes.routes).map(([host, target]) => `${host}=${target}`).join(',');
    await runPublishCommand(['publish', '--target', 'firebase-ml', '--registry', h.registry, '--name', 'digits', '--bucket', BUCKET], {
      out: (s) => lines.push(s),
      env: { ...h.env, ODT_GOOGLE_API_ROUTES: routes },
    });
    expect([...h.fakes.ml.models.values()].map((m) => [m.displayName, m.published])).toEqual([['digits_v1', true]]);
    expect(lines.join('\n')).not.toContain('PRIVATE KEY');
  });
});
