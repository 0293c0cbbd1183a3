import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isOdtError } from '@odt/cli-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runPublishCommand } from './cli/publish-command.ts';
import { FirebaseMlPublisher } from './firebase-ml/firebase-ml-publisher.ts';
import { FirebaseStoragePublisher } from './firebase-storage/firebase-storage-publisher.ts';
import { publishToRemote } from './publish-remote.ts';
import { BUCKET, resetFakes, startHarness, type Harness } from './test-support/fakes-harness.ts';
import { fakeTflite, testSigningKey } from './test-support/test-registry.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.registry.publish('digits', '1.0.0');
  await h.registry.publish('big', '1.0.0', { modelBytes: 64 * 1024 });
  await h.registry.publish('tampered', '1.0.0');
  await h.registry.publish('forged', '1.0.0');
});
afterAll(async () => h.close());
beforeEach(() => resetFakes(h));

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  return run().then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
}

const digits = () => h.registry.fetch('digits', '1.0.0');
const routes = () => Object.entries(h.fakes.routes).map(([host, target]) => `${host}=${target}`).join(',');

describe('bad input fails clearly before any request', () => {
  it('rejects a display name the service would refuse', async () => {
    const v = await digits();
    const error = await failure(() => new FirebaseMlPublisher({ bucket: BUCKET, env: h.env, agent: h.agent, displayName: 'hand.writing_v1' }).publish(v, { dryRun: false }));
    expect(isOdtError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toContain('hand.writing_v1');
    expect(h.fakes.requests).toHaveLength(0);
  });

  it('rejects display names that do not start with a letter (the service rule), before any request, CLI included', async () => {
    const v = await digits();
    for (const name of ['9digits_v1', '_digits_v1', '-digits_v1']) {
      const error = await failure(() => new FirebaseMlPublisher({ bucket: BUCKET, env: h.env, agent: h.agent, displayName: name }).publish(v, { dryRun: true }));
      expect(isOdtError(error, 'CONFIG_INVALID'), name).toBe(true);
      expect((error as Error).message).toContain('must start with a letter');
    }
    const cli = await failure(() =>
      runPublishCommand(['publish', '--target', 'firebase-ml', '--registry', h.registry.dir, '--name', 'digits', '--bucket', BUCKET, '--dry-run', '--display-name', '9digits_v1'], {
        out: () => undefined,
        env: { MODEL_SIGNING_PUBLIC_KEY: h.registry.publicPem },
      }),
    );
    expect((cli as Error).message).toContain('must start with a letter');
    expect(h.fakes.requests).toHaveLength(0);
  });

  it('rejects an over-long explicit display name', async () => {
    const v = await digits();
    const error = await failure(() => new FirebaseMlPublisher({ bucket: BUCKET, env: h.env, displayName: 'x'.repeat(33) }).publish(v, { dryRun: false }));
    expect(isOdtError(error, 'CONFIG_INVALID')).toBe(true);
    expect(h.fakes.requests).toHaveLength(0);
  });

  it('rejects a missing or malformed bucket', async () => {
    const v = await digits();
    for (const bucket of [undefined, 'gs://odt-fake-project.appspot.com']) {
      const ml = await failure(() => new FirebaseMlPublisher({ bucket, env: h.env }).publish(v, { dryRun: false }));
      const st = await failure(() => new FirebaseStoragePublisher({ bucket, env: h.env }).publish(v, { dryRun: false }));
      expect(isOdtError(ml, 'USAGE') && isOdtError(st, 'USAGE')).toBe(true);
    }
    expect(h.fakes.requests).toHaveLength(0);
  });

  it('reports a bucket that does not exist remotely without uploading anything', async () => {
    const v = await digits();
    const error = await failure(() => new FirebaseStoragePublisher({ bucket: 'no-such-bucket', env: h.env, agent: h.agent, retry: h.retry }).publish(v, { dryRun: false }));
    expect(isOdtError(error, 'REMOTE_REJECTED')).toBe(true);
    expect((error as Error).message).toContain('does not exist');
    expect(h.fakes.requests.filter((r) => r.url.startsWith('/upload/'))).toHaveLength(0);
  });

  it('rejects missing credentials with one CREDENTIALS error', async () => {
    const v = await digits();
    const env = { HOME: h.dir, CLOUDSDK_CONFIG: join(h.dir, 'no-gcloud') };
    const error = await failure(() => new FirebaseMlPublisher({ bucket: BUCKET, env, agent: h.agent }).publish(v, { dryRun: false }));
    expect(isOdtError(error, 'CREDENTIALS')).toBe(true);
    expect((error as { exitCode: number }).exitCode).toBe(50);
    expect(h.fakes.requests).toHaveLength(0);
  });

  it('rejects an invalid key file without echoing its contents', async () => {
    const bad = join(h.dir, 'bad-key.json');
    await writeFile(bad, JSON.stringify({ type: 'service_account', project_id: 'p', client_email: 'a@b', private_key: 'not-a-key-SECRETVALUE' }));
    const v = await digits();
    const error = await failure(() => new FirebaseStoragePublisher({ bucket: BUCKET, env: h.env, serviceAccountPath: bad }).publish(v, { dryRun: false }));
    expect(isOdtError(error, 'CREDENTIALS')).toBe(true);
    expect(JSON.stringify({ m: (error as Error).message, c: (error as { context: unknown }).context })).not.toContain('SECRETVALUE');
    expect(h.fakes.requests).toHaveLength(0);
  });

  it('rejects a model over the size limit', async () => {
    const v = await h.registry.fetch('big', '1.0.0');
    const error = await failure(() => new FirebaseMlPublisher({ bucket: BUCKET, env: h.env, maxModelBytes: 32 * 1024 }).publish(v, { dryRun: false }));
    expect(isOdtError(error, 'MODEL_TOO_LARGE')).toBe(true);
    expect(h.fakes.requests).toHaveLength(0);
  });
});

describe('only a version the registry reader proved is mirrored', () => {
  it('refuses a registry file altered after publishing (sha256 against the signed manifest)', async () => {
    await writeFile(join(h.registry.dir, 'tampered', '1.0.0', 'model.tflite'), fakeTflite(2048, 99));
    expect(isOdtError(await failure(() => h.registry.fetch('tampered', '1.0.0')), 'INTEGRITY_FAILED')).toBe(true);
    const lines: string[] = [];
    const cli = await failure(() =>
      runPublishCommand(['publish', '--target', 'firebase-storage', '--registry', h.registry.dir, '--name', 'tampered', '--version', '1.0.0', '--bucket', BUCKET], {
        out: (s) => lines.push(s),
        env: { ...h.env, MODEL_SIGNING_PUBLIC_KEY: h.registry.publicPem, ODT_GOOGLE_API_ROUTES: routes() },
      }),
    );
    expect(isOdtError(cli, 'INTEGRITY_FAILED')).toBe(true);
    expect(h.fakes.requests).toHaveLength(0);
  });

  it('refuses a manifest changed after signing (e.g. its contentHash), and a signature by a key it does not trust', async () => {
    const path = join(h.registry.dir, 'forged', '1.0.0', 'manifest.json');
    const manifest = JSON.parse(await readFile(path, 'utf8')) as { contentHash: string };
    manifest.contentHash = 'f'.repeat(64);
    await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`);
    expect(isOdtError(await failure(() => h.registry.fetch('forged', '1.0.0')), 'SIGNATURE_INVALID')).toBe(true);
    const stranger = testSigningKey();
    const lines: string[] = [];
    const cli = await failure(() =>
      runPublishCommand(['publish', '--target', 'firebase-ml', '--registry', h.registry.dir, '--name', 'digits', '--bucket', BUCKET], {
        out: (s) => lines.push(s),
        env: { ...h.env, MODEL_SIGNING_PUBLIC_KEY: stranger.publicPem, ODT_GOOGLE_API_ROUTES: routes() },
      }),
    );
    expect(isOdtError(cli, 'SIGNATURE_INVALID')).toBe(true);
    expect(h.fakes.requests).toHaveLength(0);
  });

  it('refuses a version that failed verification: the registry never signs one, and a publisher refuses the manifest', async () => {
    expect(isOdtError(await failure(() => h.registry.publish('unverified', '1.0.0', { verifyPassed: false })), 'NOT_VERIFIED')).toBe(true);
    const v = await digits();
    const unverified = { ...v, manifest: { ...v.manifest, verification: { ...v.manifest.verification, passed: false } } };
    for (const target of ['firebase-ml', 'firebase-storage']) {
      const error = await failure(() => publishToRemote(target, unverified, { bucket: BUCKET, env: h.env, agent: h.agent, retry: h.retry }));
      expect(isOdtError(error, 'NOT_VERIFIED'), target).toBe(true);
    }
    const altered = { ...v, files: new Map([...v.files].map(([p, b]) => [p, p === 'model.tflite' ? fakeTflite(b.length, 98) : b])) };
    expect(isOdtError(await failure(() => publishToRemote('firebase-storage', altered, { bucket: BUCKET, env: h.env, agent: h.agent })), 'INTEGRITY_FAILED')).toBe(true);
    expect(h.fakes.requests).toHaveLength(0);
  });
});

describe('entry points', () => {
  it('publishToRemote: a dry run prints the plan, writes the report and makes no request, even without credentials', async () => {
    const lines: string[] = [];
    const reportPath = join(h.dir, 'dry-run-report.json');
    const report = await publishToRemote('firebase-ml', await digits(), { dryRun: true, reportPath, env: { FIREBASE_STORAGE_BUCKET: BUCKET }, out: (s) => lines.push(s) });
    expect(report.actions.map((a) => a.status)).toEqual(['planned', 'planned', 'planned', 'planned']);
    expect(lines.join('\n')).toContain(`gs://${BUCKET}/firebase-ml/digits_v1/1.0.0/model.tflite`);
    expect(lines[0]).toContain(`manifest.sig by key ${h.registry.key.keyId}`);
    expect(JSON.parse(await readFile(reportPath, 'utf8'))).toEqual(report);
    expect(h.fakes.requests).toHaveLength(0);
  });

  it('CLI dry run (signed latest channel, trusted key from MODEL_SIGNING_PUBLIC_KEY) prints the plan and makes no request', async () => {
    const lines: string[] = [];
    const code = await runPublishCommand(
      ['publish', '--target', 'firebase-storage', '--registry', h.registry.dir, '--name', 'digits', '--bucket', BUCKET, '--dry-run'],
      { out: (s) => lines.push(s), env: { MODEL_SIGNING_PUBLIC_KEY: h.registry.publicPem } },
    );
    expect(code).toBe(0);
    const text = lines.join('\n');
    expect(text).toContain(`gs://${BUCKET}/models/digits/1.0.0/model.tflite`);
    expect(text).toContain(`gs://${BUCKET}/models/digits/1.0.0/model.sig`);
    expect(text).toContain('move-channel-pointer');
    expect(h.fakes.requests).toHaveLength(0);
  });

  it('the CLI publishes for real through ODT_GOOGLE_API_ROUTES', async () => {
    const lines: string[] = [];
    await runPublishCommand(['publish', '--target', 'firebase-ml', '--registry', h.registry.dir, '--name', 'digits', '--version', '1.0.0', '--bucket', BUCKET], {
      out: (s) => lines.push(s),
      env: { ...h.env, ODT_GOOGLE_API_ROUTES: routes(), MODEL_SIGNING_PUBLIC_KEY: h.registry.publicPem },
    });
    expect([...h.fakes.ml.models.values()].map((m) => [m.displayName, m.published])).toEqual([['digits_v1', true]]);
    expect(lines.join('\n')).not.toContain('PRIVATE KEY');
  });
});
