import { spawnSync } from 'node:child_process';
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promote, rollback } from './channels.ts';
import { publishToRegistry } from './publish.ts';
import { pullVersion } from './pull.ts';
import { acquireRegistryLock } from './registry-lock.ts';
import { localSource } from './registry-source.ts';
import { makeDraft, tempDir, testKey, codeOf } from './testing/stage-fixtures.ts';
import { validateRegistry } from './validate-registry.ts';

const { key } = testKey();
let root: string;
let registry: string;
let draft: string;
beforeEach(async () => {
  root = await tempDir('bad');
  registry = join(root, 'registry');
  draft = await makeDraft(root, 'a', { weightsSeed: 1 });
  await publishToRegistry({ registry, draftDir: draft, signingKey: key });
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map(String).sort();
}

const pull = (selector: Parameters<typeof pullVersion>[0]['selector'], dest = join(root, 'dest')) =>
  pullVersion({ source: localSource(registry), name: 'digits', selector, dest, trustedKeys: [key.publicKey] });

describe('bad input gives a clear error code and loses nothing', () => {
  it('unknown or empty channel: NOT_FOUND', async () => {
    expect(await codeOf(promote(registry, 'digits', '1.0.0', 'beta', key))).toBe('NOT_FOUND');
    expect(await codeOf(rollback(registry, 'digits', 'nightly', key))).toBe('NOT_FOUND');
    expect(await codeOf(pull({ channel: 'beta' }))).toBe('NOT_FOUND');
    expect(await codeOf(pull({ channel: 'stable' }))).toBe('NOT_FOUND');
    expect(await codeOf(promote(registry, 'letters', '1.0.0', 'stable', key))).toBe('NOT_FOUND');
    await expect(readdir(join(root, 'dest'))).rejects.toThrow();
  });

  it('malformed version range: VERSION_RANGE_INVALID before anything is fetched', async () => {
    for (const range of ['^^1', '1.0.0-rc.1', 'latest', '>=1.0.0 <']) expect(await codeOf(pull({ range }))).toBe('VERSION_RANGE_INVALID');
    expect(await codeOf(pull({ range: '^2.0.0' }))).toBe('NOT_FOUND');
  });

  it('registry path not writable (under a regular file, which defeats even root): REGISTRY_NOT_WRITABLE', async () => {
    const blocker = join(root, 'a-file');
    await writeFile(blocker, 'not a folder');
    expect(await codeOf(publishToRegistry({ registry: join(blocker, 'registry'), draftDir: draft, signingKey: key }))).toBe('REGISTRY_NOT_WRITABLE');
    expect(await codeOf(publishToRegistry({ registry: blocker, draftDir: draft, signingKey: key }))).toBe('REGISTRY_NOT_WRITABLE');
    expect(await readFile(blocker, 'utf8')).toBe('not a folder');
  });

  it.each([
    ['not JSON', '{"schemaVersion":1,"models":{'],
    ['wrong shape', '{"schemaVersion":1,"updatedAt":"2025-01-01T00:00:00Z","models":{"digits":{"versions":"1.0.0"}}}'],
  ])('corrupt index (%s): REGISTRY_CORRUPT, nothing rewritten or removed', async (_, garbage) => {
    await writeFile(join(registry, 'index.json'), garbage);
    const before = await tree(registry);
    const other = await makeDraft(root, 'b', { weightsSeed: 2 });
    expect(await codeOf(publishToRegistry({ registry, draftDir: other, signingKey: key }))).toBe('REGISTRY_CORRUPT');
    expect(await codeOf(promote(registry, 'digits', '1.0.0', 'stable', key))).toBe('REGISTRY_CORRUPT');
    expect(await codeOf(pull({ channel: 'latest' }))).toBe('REGISTRY_CORRUPT');
    const report = await validateRegistry(registry);
    expect(report.ok).toBe(false);
    expect(report.errors[0]).toMatch(/index\.json/);
    expect(await readFile(join(registry, 'index.json'), 'utf8')).toBe(garbage);
    expect(await tree(registry)).toEqual(before);
  });

  it('publish refuses a draft whose verification report is missing or failed: NOT_VERIFIED', async () => {
    const copy = join(root, 'draft-copy');
    await cp(draft, copy, { recursive: true });
    await writeFile(join(copy, 'verify-report.json'), JSON.stringify({ passed: false, checks: [{ name: 'parity', passed: false }] }));
    expect(await codeOf(publishToRegistry({ registry, draftDir: copy, signingKey: key }))).toBe('NOT_VERIFIED');
    await rm(join(copy, 'verify-report.json'));
    expect(await codeOf(publishToRegistry({ registry, draftDir: copy, signingKey: key }))).toBe('NOT_VERIFIED');
  });
});

describe('lock and recovery', () => {
  it('breaks a lock whose holder is dead and removes what a killed writer left', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    await writeFile(join(registry, '.lock'), JSON.stringify({ pid: dead, host: hostname(), since: new Date().toISOString(), token: 'x' }));
    await mkdir(join(registry, '.tmp-digits-1.1.0-1-abcd'));
    await writeFile(join(registry, '.index.json.1.abcd.tmp'), '{');
    await mkdir(join(registry, 'digits', '1.1.0'));
    await writeFile(join(registry, 'digits', '1.1.0', 'manifest.json'), 'half');
    expect((await validateRegistry(registry)).warnings).toHaveLength(3);
    const result = await publishToRegistry({ registry, draftDir: await makeDraft(root, 'b', { weightsSeed: 2 }), signingKey: key, lockTimeoutMs: 2_000 });
    expect(result).toMatchObject({ status: 'published', version: '1.1.0' });
    expect(await validateRegistry(registry, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true, warnings: [] });
  });

  it('waits for a live holder and gives up with REGISTRY_LOCKED', async () => {
    const held = await acquireRegistryLock(registry);
    try {
      const started = Date.now();
      expect(await codeOf(publishToRegistry({ registry, draftDir: await makeDraft(root, 'b', { weightsSeed: 2 }), signingKey: key, lockTimeoutMs: 300 }))).toBe('REGISTRY_LOCKED');
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    } finally {
      await held.release();
    }
    await expect(readFile(join(registry, '.lock'))).rejects.toThrow();
  });
});
