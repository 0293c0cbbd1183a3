import { isOdtError } from '@odt/cli-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MANIFEST_FILE_NAME, MANIFEST_SIGNATURE_FILE_NAME, MODEL_SIGNATURE_FILE_NAME, sha256Hex } from '@odt/contract';
import { BUCKET, resetFakes, startHarness, type Harness } from '../test-support/fakes-harness.ts';
import { ChannelPointerSchema } from './channel-pointer.ts';
import { FirebaseStoragePublisher, type FirebaseStorageConfig } from './firebase-storage-publisher.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.registry.publish('digits', '1.0.0', { seed: 1 });
  await h.registry.publish('digits', '1.1.0', { seed: 2 });
  await h.registry.publish('digits', '1.2.0', { seed: 3 });
});
afterAll(async () => h.close());
beforeEach(() => resetFakes(h));

const publisher = (extra: Partial<FirebaseStorageConfig> = {}) => new FirebaseStoragePublisher({ bucket: BUCKET, env: h.env, agent: h.agent, retry: h.retry, ...extra });
const verified = (version: string) => h.registry.fetch('digits', version);
const pointer = () => ChannelPointerSchema.parse(JSON.parse(h.fakes.storage.store.get(BUCKET, 'models/digits/channels/latest.json')!.bytes.toString('utf8')));

describe('FirebaseStoragePublisher against the fakes', () => {
  it('uploads every registry file byte for byte, then writes the channel pointer last', async () => {
    const version = await verified('1.0.0');
    await publisher().publish(version, { dryRun: false });
    const expected = new Map([
      ...version.files,
      [MODEL_SIGNATURE_FILE_NAME, version.modelSignatureBytes],
      [MANIFEST_FILE_NAME, version.manifestBytes],
      [MANIFEST_SIGNATURE_FILE_NAME, version.signatureBytes],
    ]);
    expect(expected.has('model.tflite')).toBe(true);
    for (const [path, bytes] of expected) {
      const stored = h.fakes.storage.store.get(BUCKET, `models/digits/1.0.0/${path}`);
      expect(stored?.bytes.equals(bytes), path).toBe(true);
      expect(stored?.metadata.sha256).toBe(sha256Hex(bytes));
    }
    const p = pointer();
    expect(p.files.map((f) => f.path.replace('models/digits/1.0.0/', ''))).toEqual([...expected.keys()]);
    expect(p.manifest.sha256).toBe(sha256Hex(version.manifestBytes));
    expect(p.version).toBe('1.0.0');
    expect(p.model.generation).toBe(String(h.fakes.storage.store.get(BUCKET, 'models/digits/1.0.0/model.tflite')!.generation));
    const uploads = h.fakes.requests.filter((r) => r.url.startsWith('/upload/')).map((r) => decodeURIComponent(r.url));
    expect(uploads.at(-1)).toContain('channels/latest.json');
    expect(uploads.at(-2)).toContain('manifest.sig');
    expect(uploads.at(-3)).toContain('manifest.json');
    expect(uploads.at(-1)).toContain('ifGenerationMatch=0');
  });

  it('re-run uploads nothing; a new version moves the pointer with the previous generation as precondition', async () => {
    await publisher().publish(await verified('1.0.0'), { dryRun: false });
    const before = h.fakes.storage.store.get(BUCKET, 'models/digits/channels/latest.json')!.generation;
    h.fakes.requests.length = 0;
    const rerun = await publisher().publish(await verified('1.0.0'), { dryRun: false });
    expect(h.fakes.requests.filter((r) => r.url.startsWith('/upload/'))).toHaveLength(0);
    expect(rerun.actions.every((a) => a.status === 'skipped' || a.kind === 'verify-objects')).toBe(true);
    await publisher().publish(await verified('1.1.0'), { dryRun: false });
    expect(pointer().version).toBe('1.1.0');
    const pointerUpload = h.fakes.requests.filter((r) => r.url.includes('channels%2Flatest.json') && r.url.startsWith('/upload/')).at(-1)!;
    expect(pointerUpload.url).toContain(`ifGenerationMatch=${before}`);
  });

  it('refuses to overwrite a channel another publisher moved meanwhile (generation precondition -> 412)', async () => {
    await publisher().publish(await verified('1.0.0'), { dryRun: false });
    const rival = publisher();
    const loser = publisher({
      // Between the loser's read of the pointer and its write, a rival moves 1.0.0 -> 1.2.0.
      beforePointerWrite: async () => {
        await rival.publish(await verified('1.2.0'), { dryRun: false });
      },
    });
    const error = await loser.publish(await verified('1.1.0'), { dryRun: false }).catch((e: unknown) => e);
    expect(isOdtError(error, 'VERSION_CONFLICT')).toBe(true);
    expect(pointer().version).toBe('1.2.0');
    const pointerWrites = h.fakes.requests.filter((r) => r.url.includes('channels%2Flatest.json') && r.url.startsWith('/upload/'));
    expect(pointerWrites).toHaveLength(3); // first publish, rival, loser's refused write
  });

  it('emulator mode (STORAGE_EMULATOR_HOST) still works: plain http, no token, resumable uploads included', async () => {
    process.env.STORAGE_EMULATOR_HOST = `http://${h.fakes.storageEmulatorHost}`;
    try {
      const grants = h.fakes.oauth.grants;
      await publisher({ resumableThresholdBytes: 0 }).publish(await verified('1.0.0'), { dryRun: false });
      expect(pointer().version).toBe('1.0.0');
      expect(h.fakes.oauth.grants).toBe(grants);
      expect(h.fakes.requests.filter((r) => r.service === 'storage' && r.url.includes('uploadType=resumable')).length).toBeGreaterThan(0);
    } finally {
      delete process.env.STORAGE_EMULATOR_HOST;
    }
  });
});
