import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManifestSchema, MANIFEST_FILE_NAME, sha256Hex, verifyChannelDocument, verifyManifestBytes } from '@odt/contract';
import { promote, rollback } from './channels.ts';
import { publishToRegistry } from './publish.ts';
import { readIndex } from './registry-index-store.ts';
import { makeDraft, tempDir, testKey, codeOf } from './testing/stage-fixtures.ts';
import { validateRegistry } from './validate-registry.ts';

const { key } = testKey();
let root: string;
let registry: string;
beforeEach(async () => {
  root = await tempDir('publish');
  registry = join(root, 'registry');
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of await readdir(dir)) out[file] = sha256Hex(await readFile(join(dir, file)));
  return out;
}

describe('version rule', () => {
  it('1.0.0 first, no-op on identical content, minor on new bytes, major on a new contract', async () => {
    const a = await makeDraft(root, 'a', { weightsSeed: 1 });
    const first = await publishToRegistry({ registry, draftDir: a, signingKey: key });
    expect(first).toMatchObject({ status: 'published', version: '1.0.0', parentVersion: null, reason: 'first' });
    const v1 = await snapshot(join(registry, 'digits', '1.0.0'));

    const again = await makeDraft(root, 'a-again', { weightsSeed: 1 });
    const started = performance.now();
    expect(await publishToRegistry({ registry, draftDir: again, signingKey: key })).toEqual({ status: 'unchanged', name: 'digits', version: '1.0.0', why: 'identical-content' });
    const noChangeMs = performance.now() - started;
    console.log(`no-change publish (library call): ${noChangeMs.toFixed(1)} ms`);

    const b = await makeDraft(root, 'b', { weightsSeed: 2 });
    expect(await publishToRegistry({ registry, draftDir: b, signingKey: key })).toMatchObject({ version: '1.1.0', parentVersion: '1.0.0', reason: 'content-changed' });
    const c = await makeDraft(root, 'c', { weightsSeed: 2, trainBatchSize: 16 });
    expect(await publishToRegistry({ registry, draftDir: c, signingKey: key })).toMatchObject({ version: '2.0.0', parentVersion: '1.1.0', reason: 'contract-changed' });

    expect(await snapshot(join(registry, 'digits', '1.0.0'))).toEqual(v1);
    const index = await readIndex(registry);
    expect(index.models.digits!.versions.map((v) => v.version)).toEqual(['1.0.0', '1.1.0', '2.0.0']);
    expect(index.models.digits!.channels.latest).toEqual({ version: '2.0.0', previous: ['1.0.0', '1.1.0'], sequence: 3 });
    expect((await validateRegistry(registry, { trustedKeys: [key.publicKey] })).ok).toBe(true);
  });

  it('a retrain of identical inputs with other bytes (another CPU) is no new version unless asked', async () => {
    await publishToRegistry({ registry, draftDir: await makeDraft(root, 'a', { weightsSeed: 1 }), signingKey: key });
    // Same config, data, code and toolchain; one weight bit differs, as on a CPU with other kernels.
    const noisy = await makeDraft(root, 'noisy', { weightsSeed: 99, inputsSeed: 1 });
    expect(await publishToRegistry({ registry, draftDir: noisy, signingKey: key })).toEqual({ status: 'unchanged', name: 'digits', version: '1.0.0', why: 'identical-inputs' });
    expect(await publishToRegistry({ registry, draftDir: noisy, signingKey: key, newVersion: true })).toMatchObject({ status: 'published', version: '1.1.0' });
    const changed = await makeDraft(root, 'changed', { weightsSeed: 3 });
    expect(await publishToRegistry({ registry, draftDir: changed, signingKey: key })).toMatchObject({ status: 'published', version: '1.2.0' });
  });

  it('signs a channel document for every channel move, each with a higher sequence', async () => {
    await publishToRegistry({ registry, draftDir: await makeDraft(root, 'a', { weightsSeed: 1 }), signingKey: key });
    await publishToRegistry({ registry, draftDir: await makeDraft(root, 'b', { weightsSeed: 2 }), signingKey: key });
    await promote(registry, 'digits', '1.1.0', 'stable', key);
    await rollback(registry, 'digits', 'latest', key);
    const read = async (channel: string) => {
      const bytes = await readFile(join(registry, 'digits', 'channels', `${channel}.json`));
      const check = verifyChannelDocument(bytes, [key.publicKey], { model: 'digits', channel, now: new Date() });
      if (!check.ok) throw new Error(check.reason);
      return check.signed;
    };
    expect(await read('latest')).toMatchObject({ version: '1.0.0', sequence: 3 });
    expect(await read('stable')).toMatchObject({ version: '1.1.0', sequence: 1 });
    expect((await validateRegistry(registry, { trustedKeys: [key.publicKey] })).ok).toBe(true);
  });

  it('writes a signed manifest whose bytes verify and whose files match', async () => {
    const a = await makeDraft(root, 'a');
    await publishToRegistry({ registry, draftDir: a, signingKey: key, now: new Date('2025-01-02T03:04:05.000Z') });
    const dir = join(registry, 'digits', '1.0.0');
    const bytes = await readFile(join(dir, MANIFEST_FILE_NAME));
    const manifest = ManifestSchema.parse(JSON.parse(bytes.toString('utf8')));
    expect(manifest).toMatchObject({ name: 'digits', version: '1.0.0', createdAt: '2025-01-02T03:04:05.000Z', parentVersion: null });
    const sig = JSON.parse(await readFile(join(dir, 'manifest.sig'), 'utf8'));
    expect(verifyManifestBytes(bytes, sig, [key.publicKey])).toEqual({ ok: true, keyId: key.keyId });
    expect(verifyManifestBytes(bytes, sig, [testKey().key.publicKey]).ok).toBe(false);
  });

  it('accepts an explicit version only when it moves forward (and past the major on a contract change)', async () => {
    await publishToRegistry({ registry, draftDir: await makeDraft(root, 'a', { weightsSeed: 1 }), signingKey: key, version: '1.4.0' });
    const b = await makeDraft(root, 'b', { weightsSeed: 2 });
    expect(await codeOf(publishToRegistry({ registry, draftDir: b, signingKey: key, version: '1.4.0' }))).toBe('VERSION_CONFLICT');
    expect(await codeOf(publishToRegistry({ registry, draftDir: b, signingKey: key, version: '1.3.9' }))).toBe('VERSION_CONFLICT');
    expect(await publishToRegistry({ registry, draftDir: b, signingKey: key, version: '1.6.2' })).toMatchObject({ version: '1.6.2' });
    const c = await makeDraft(root, 'c', { weightsSeed: 2, trainBatchSize: 8 });
    expect(await codeOf(publishToRegistry({ registry, draftDir: c, signingKey: key, version: '1.7.0' }))).toBe('VERSION_CONFLICT');
    expect(await codeOf(publishToRegistry({ registry, draftDir: c, signingKey: key, version: 'banana' }))).toBe('VERSION_RANGE_INVALID');
    expect((await readIndex(registry)).models.digits!.versions.map((v) => v.version)).toEqual(['1.4.0', '1.6.2']);
  });

  it('refuses a draft whose files changed after the version stage', async () => {
    const a = await makeDraft(root, 'a');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(a, 'model.tflite'), 'changed');
    expect(await codeOf(publishToRegistry({ registry, draftDir: a, signingKey: key }))).toBe('ARTIFACTS_INVALID');
  });
});

describe('channels', () => {
  it('promotes and rolls back through the channel history', async () => {
    for (const seed of [1, 2, 3]) {
      await publishToRegistry({ registry, draftDir: await makeDraft(root, `s${seed}`, { weightsSeed: seed }), signingKey: key });
    }
    expect(await promote(registry, 'digits', '1.0.0', 'stable', key)).toEqual({ from: null, to: '1.0.0' });
    expect(await promote(registry, 'digits', '1.1.0', 'stable', key)).toEqual({ from: '1.0.0', to: '1.1.0' });
    expect(await promote(registry, 'digits', '1.2.0', 'stable', key)).toEqual({ from: '1.1.0', to: '1.2.0' });
    expect(await rollback(registry, 'digits', 'stable', key)).toEqual({ from: '1.2.0', to: '1.1.0' });
    expect(await rollback(registry, 'digits', 'stable', key)).toEqual({ from: '1.1.0', to: '1.0.0' });
    expect(await codeOf(rollback(registry, 'digits', 'stable', key))).toBe('NOT_FOUND');
    expect(await codeOf(promote(registry, 'digits', '9.9.9', 'stable', key))).toBe('NOT_FOUND');
    const model = (await readIndex(registry)).models.digits!;
    expect(model.channels.stable.version).toBe('1.0.0');
    expect(model.history.filter((e) => e.channel === 'stable').map((e) => `${e.action}:${e.from}->${e.to}`)).toEqual([
      'promote:null->1.0.0',
      'promote:1.0.0->1.1.0',
      'promote:1.1.0->1.2.0',
      'rollback:1.2.0->1.1.0',
      'rollback:1.1.0->1.0.0',
    ]);
  });
});
