import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '@odt/contract';
import { BUCKET, resetFakes, startHarness, type Harness } from '../test-support/fakes-harness.ts';
import { FirebaseMlPublisher } from './firebase-ml-publisher.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  // Real registry publishes: 1.1.0 has other model bytes, 2.0.0 another signature contract.
  await h.registry.publish('digits', '1.0.0', { seed: 1 });
  await h.registry.publish('digits', '1.1.0', { seed: 2 });
  await h.registry.publish('digits', '2.0.0', { seed: 3, trainBatchSize: 16 });
});
afterAll(async () => h.close());
beforeEach(() => resetFakes(h));

const publisher = () => new FirebaseMlPublisher({ bucket: BUCKET, env: h.env, agent: h.agent, retry: h.retry });
const publish = async (version: string) => publisher().publish(await h.registry.fetch('digits', version), { dryRun: false });
const modelsNamed = (name: string) => [...h.fakes.ml.models.values()].filter((m) => m.displayName === name);

describe('FirebaseMlPublisher against the fakes (real firebase-admin over HTTP)', () => {
  it('uploads the .tflite, creates digits_v1 with semver and hash tags, and publishes it', async () => {
    const version = await h.registry.fetch('digits', '1.0.0');
    const modelBytes = version.files.get('model.tflite')!;
    const report = await publisher().publish(version, { dryRun: false });
    const [model] = modelsNamed('digits_v1');
    expect(model?.published).toBe(true);
    expect(model?.tags).toEqual(['v1_0_0', `sha256_${version.manifest.contentHash.slice(0, 25)}`]);
    expect(model?.gcsTfliteUri).toBe(`gs://${BUCKET}/firebase-ml/digits_v1/1.0.0/model.tflite`);
    expect(model?.modelHash).toBe(sha256Hex(modelBytes));
    const stored = h.fakes.storage.store.get(BUCKET, 'firebase-ml/digits_v1/1.0.0/model.tflite');
    expect(stored?.bytes.equals(modelBytes)).toBe(true);
    expect(report.actions.map((a) => a.status)).toEqual(['done', 'done', 'done', 'done']);
    expect(report.remote.published).toBe(true);
    const tokenRequests = h.fakes.requests.filter((r) => r.service === 'oauth');
    expect(tokenRequests.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(report)).not.toContain('PRIVATE KEY');
  });

  it('updates the same model in place for a minor version and a re-run changes nothing', async () => {
    await publish('1.0.0');
    const firstId = modelsNamed('digits_v1')[0]!.id;
    await publish('1.1.0');
    const again = await publish('1.1.0');
    const models = modelsNamed('digits_v1');
    expect(models).toHaveLength(1);
    expect(models[0]!.id).toBe(firstId);
    expect(models[0]!.tags[0]).toBe('v1_1_0');
    expect(models[0]!.gcsTfliteUri).toContain('/1.1.0/');
    expect(again.actions.map((a) => a.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
  });

  it('keeps each contract major on its own model and rolls back by republishing an earlier version', async () => {
    await publish('1.1.0');
    await publish('2.0.0');
    expect(modelsNamed('digits_v2')).toHaveLength(1);
    expect(modelsNamed('digits_v1')[0]!.tags[0]).toBe('v1_1_0');
    const rollback = await publish('1.0.0');
    const v1 = modelsNamed('digits_v1');
    expect(v1).toHaveLength(1);
    expect(v1[0]!.tags[0]).toBe('v1_0_0');
    expect(v1[0]!.gcsTfliteUri).toContain('/1.0.0/');
    expect(v1[0]!.published).toBe(true);
    expect(rollback.actions[0]!.status).toBe('done');
  });
});
