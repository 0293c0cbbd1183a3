import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFirebaseFakes, type FirebaseFakes } from '@odt/firebase-fakes';
import { promote } from './channels.ts';
import { publishToRegistry } from './publish.ts';
import { pullVersion } from './pull.ts';
import { openRegistrySource, openRegistryStore } from './store/open-store.ts';
import { PUBLISHER_CHILD, spawnTs, type Child } from './testing/child-process.ts';
import { codeOf, makeDraft, tempDir, testKey } from './testing/stage-fixtures.ts';
import { validateRegistry } from './validate-registry.ts';

// The bucket backend against the Cloud Storage fake over real HTTP (the real @google-cloud/storage
// client in emulator mode). The fake runs in this process, so its state survives every child
// publisher that is killed.
const BUCKET = 'odt-fake-project.appspot.com';
const TRIALS = Number(process.env.BUCKET_CRASH_TRIALS ?? 12);
const { key, privatePem } = testKey();
let fakes: FirebaseFakes;
let root: string;
let keyFile: string;
let childScript: string;
const location = (prefix: string) => `gs://${BUCKET}/${prefix}`;

beforeAll(async () => {
  fakes = await startFirebaseFakes({ buckets: [BUCKET] });
  process.env.STORAGE_EMULATOR_HOST = `http://${fakes.storageEmulatorHost}`;
  root = await tempDir('bucket');
  keyFile = join(root, 'signing.pem');
  await writeFile(keyFile, privatePem);
  // Children load through tsx: a bundle cannot carry @google-cloud/storage's dynamic requires.
  childScript = PUBLISHER_CHILD;
});
afterAll(async () => {
  await fakes?.close();
  await rm(root, { recursive: true, force: true });
});

// Live writers declare 15 s, so a heartbeat slowed by a loaded CI machine never costs a writer its
// lock; writers that get SIGKILLed declare 1 s, so the next one breaks their lock quickly.
const LIVE_STALE_MS = '15000';
const KILLED_STALE_MS = '1000';
const childEnv = (staleMs: string) => ({ MODEL_SIGNING_KEY_FILE: keyFile, STORAGE_EMULATOR_HOST: `http://${fakes.storageEmulatorHost}`, MODEL_REGISTRY_LOCK_STALE_MS: staleMs });

describe('a registry in a Cloud Storage bucket', () => {
  it('remembers across CI runs: a second fresh workspace finds nothing to publish, a changed model is the next minor', async () => {
    const registry = location('ci');
    // Workspace A (first CI run).
    const a = await makeDraft(join(root, 'workspace-a'), 'model', { weightsSeed: 1 });
    expect(await publishToRegistry({ registry, draftDir: a, signingKey: key })).toMatchObject({ status: 'published', version: '1.0.0' });
    // Workspace B: a fresh clone with no local state and the same model.
    const b = await makeDraft(join(root, 'workspace-b'), 'model', { weightsSeed: 1 });
    expect(await publishToRegistry({ registry, draftDir: b, signingKey: key })).toMatchObject({ status: 'unchanged', version: '1.0.0' });
    const changed = await makeDraft(join(root, 'workspace-b'), 'changed', { weightsSeed: 2 });
    expect(await publishToRegistry({ registry, draftDir: changed, signingKey: key })).toMatchObject({ status: 'published', version: '1.1.0' });
    await promote(registry, 'digits', '1.0.0', 'stable', key);
    expect(await validateRegistry(registry, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true, errors: [], warnings: [], versions: 2 });

    const dest = join(root, 'pulled');
    const source = await openRegistrySource(registry);
    const pulled = await pullVersion({ source, name: 'digits', selector: { channel: 'stable' }, dest, trustedKeys: [key.publicKey] });
    expect(pulled.version).toBe('1.0.0');
    const store = await openRegistryStore(registry);
    expect(await readFile(join(dest, 'model.tflite'))).toEqual(await store.source.read('digits/1.0.0/model.tflite', 1 << 20));
  });

  it('four concurrent publishers with different content get four versions, each holding its own bytes', async () => {
    const registry = location('race');
    await publishToRegistry({ registry, draftDir: await makeDraft(root, 'race-base', { weightsSeed: 100 }), signingKey: key });
    const drafts = await Promise.all([101, 102, 103, 104].map((seed) => makeDraft(root, `race-${seed}`, { weightsSeed: seed })));
    const children = drafts.map((draft) => spawnTs(childScript, [registry, '1', draft], childEnv(LIVE_STALE_MS)));
    await Promise.all(children.map((c) => c.ready));
    for (const child of children) child.process.stdin!.write('go\n');
    const exits = await Promise.all(children.map((c) => c.exited));
    exits.forEach((exit, i) => expect(exit, children[i]!.stderr()).toEqual({ code: 0, signal: null }));
    const versions = children.map((c) => /published (\S+)/.exec(c.stdout())![1]!).sort();
    expect(versions).toEqual(['1.1.0', '1.2.0', '1.3.0', '1.4.0']);
    const store = await openRegistryStore(registry);
    for (const [i, draft] of drafts.entries()) {
      const version = /published (\S+)/.exec(children[i]!.stdout())![1]!;
      expect(await store.source.read(`digits/${version}/model.tflite`, 1 << 20)).toEqual(await readFile(join(draft, 'model.tflite')));
    }
    expect(await validateRegistry(registry, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true, versions: 5 });
  });

  it(`survives ${TRIALS} publishers SIGKILLed at random moments; every next publish succeeds`, async () => {
    const registry = location('crash');
    const drafts = [await makeDraft(root, 'crash-a', { weightsSeed: 201 }), await makeDraft(root, 'crash-b', { weightsSeed: 202 })];
    await publishToRegistry({ registry, draftDir: drafts[0]!, signingKey: key });
    const started = Date.now();
    const start = (): Child => spawnTs(childScript, [registry, '40', drafts[1]!, drafts[0]!], { ...childEnv(KILLED_STALE_MS), CHILD_MOVE_CHANNELS: '1' });
    let next = start();
    let interrupted = 0;
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const child = next;
      await child.ready;
      next = start();
      child.process.stdin!.write('go\n');
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 700));
      child.process.kill('SIGKILL');
      await child.exited;
      const report = await validateRegistry(registry, { trustedKeys: [key.publicKey] });
      if (report.warnings.length > 0) interrupted += 1;
      expect(report.errors.join('\n'), `trial ${trial}`).toBe('');
      // The next writer breaks the dead holder's lock, removes its leftovers and publishes.
      const result = await publishToRegistry({ registry, draftDir: drafts[trial % 2]!, signingKey: key, lockTimeoutMs: 20_000 });
      expect(['published', 'unchanged'], `trial ${trial}`).toContain(result.status);
    }
    next.process.kill('SIGKILL');
    const report = await validateRegistry(registry, { trustedKeys: [key.publicKey] });
    expect(report).toMatchObject({ ok: true, warnings: [] });
    console.log(`bucket crash test: ${TRIALS} SIGKILL trials in ${((Date.now() - started) / 1000).toFixed(1)} s; ${interrupted} left leftovers or a lagging or missing channel document; ${report.versions} versions valid`);
  }, 600_000);

  it('names a missing bucket before anything is written', async () => {
    const missing = `gs://no-such-bucket-odt/models`;
    expect(await codeOf(publishToRegistry({ registry: missing, draftDir: await makeDraft(root, 'missing'), signingKey: key }))).toBe('REMOTE_REJECTED');
  });
});
