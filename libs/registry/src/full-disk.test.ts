import { spawnSync } from 'node:child_process';
import { mkdir, open, readFile, rm, statfs, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES, isOdtError, OdtError } from '@odt/cli-kit';
import type { RegistryIndex } from '@odt/contract';
import { promote } from './channels.ts';
import { listDir } from './durable-fs.ts';
import { publishToRegistry } from './publish.ts';
import { readIndex } from './registry-index-store.ts';
import { CLI_MAIN, spawnTs } from './testing/child-process.ts';
import { makeDraft, tempDir, testKey } from './testing/stage-fixtures.ts';
import { validateRegistry } from './validate-registry.ts';
import { canMountTmpfs } from '@odt/cli-kit/testing';

// A real full file system: a 512 KiB tmpfs mounted for this file, filled page by page so each
// attempt has exactly N free 4 KiB pages. Mounting needs root (CAP_SYS_ADMIN).
const PAGE = 4096;

const MOUNT_ALLOWED = canMountTmpfs();

const { key } = testKey();
let root: string;
let disk: string;
let registry: string;
let filler: string;
let nextDraft: string;

/** Fills the disk, then frees exactly `pages` pages. */
async function leaveFree(pages: number): Promise<void> {
  await rm(filler, { force: true });
  const handle = await open(filler, 'w');
  const chunk = Buffer.alloc(PAGE, 1);
  let size = 0;
  try {
    for (;;) {
      const { bytesWritten } = await handle.write(chunk, 0, PAGE, size).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOSPC') return { bytesWritten: 0 };
        throw error;
      });
      size += bytesWritten;
      if (bytesWritten < PAGE) break;
    }
  } finally {
    await handle.close();
  }
  await truncate(filler, Math.max(0, Math.ceil(size / PAGE) - pages) * PAGE);
  expect((await statfs(disk)).bavail, 'test setup: free pages').toBe(pages);
}

/** After a failed write: nothing left behind, the registry valid, the index exactly as before. */
async function expectUntouched(before: RegistryIndex): Promise<void> {
  expect((await listDir(registry)).sort()).toEqual(['digits', 'index.json']);
  expect(await validateRegistry(registry, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true, errors: [], warnings: [] });
  expect(await readIndex(registry)).toEqual(before);
}

function expectDiskFullError(error: unknown, minimumBytes: number): void {
  expect(isOdtError(error, 'REGISTRY_NOT_WRITABLE'), String(error)).toBe(true);
  const { message, suggestion, context } = error as OdtError;
  expect(message).toMatch(/^the disk holding the registry is full \(ENOSPC\): this write needs [\d.]+ (B|KiB) in \d+ file\(s\)/);
  expect(suggestion).toContain(registry);
  expect(context).toMatchObject({ registry, bytesFree: expect.any(Number) });
  expect(context.bytesNeeded as number).toBeGreaterThanOrEqual(minimumBytes);
}

describe.skipIf(!MOUNT_ALLOWED)('a full disk under the registry [needs root: mount -t tmpfs; skipped where mount is not permitted]', () => {
  beforeAll(async () => {
    root = await tempDir('disk');
    disk = join(root, 'disk');
    await mkdir(disk);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', disk]).status).toBe(0);
    registry = join(disk, 'registry');
    filler = join(disk, 'filler');
    await publishToRegistry({ registry, draftDir: await makeDraft(root, 'a', { weightsSeed: 1 }), signingKey: key });
    nextDraft = await makeDraft(root, 'b', { weightsSeed: 2 });
  });
  afterAll(async () => {
    spawnSync('umount', ['-l', disk]);
    await rm(root, { recursive: true, force: true });
  });

  it('publish with 0, 1, 2 … free pages: each failure is REGISTRY_NOT_WRITABLE saying what it needs, and leaves nothing behind', async () => {
    const draftFiles = (JSON.parse(await readFile(join(nextDraft, 'draft-manifest.json'), 'utf8')) as { files: Array<{ size: number }> }).files;
    const draftBytes = draftFiles.reduce((sum, file) => sum + file.size, 0);
    const before = await readIndex(registry);
    const failedWith: number[] = [];
    let advisedDiskBytes = 0;
    for (let pages = 0; pages < 40; pages += 1) {
      await leaveFree(pages);
      const outcome = await publishToRegistry({ registry, draftDir: nextDraft, signingKey: key }).catch((error: unknown) => error);
      if (!(outcome instanceof Error)) {
        expect(outcome).toMatchObject({ status: 'published', version: '1.1.0' });
        // The room the error asked for was enough.
        expect(pages * PAGE).toBeLessThanOrEqual(advisedDiskBytes);
        break;
      }
      expectDiskFullError(outcome, draftBytes);
      advisedDiskBytes = (outcome as OdtError).context.diskBytesNeeded as number;
      if (pages === 3) console.log(`full disk, ${pages} free pages: ${(outcome as OdtError).message}\n  fix: ${(outcome as OdtError).suggestion}`);
      await expectUntouched(before);
      failedWith.push(pages);
    }
    // It failed at the lock (0 pages), while staging (a few) and at the index commit (one short).
    expect(failedWith).toEqual([...Array(failedWith.length).keys()]);
    expect(failedWith.length).toBeGreaterThan(draftFiles.length);
    console.log(`full disk: publish failed cleanly with 0..${failedWith.length - 1} free pages and published with ${failedWith.length}`);
    await rm(filler);
    expect(await validateRegistry(registry, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true, versions: 2, warnings: [] });
    expect((await readIndex(registry)).models.digits!.versions.map((v) => v.version)).toEqual(['1.0.0', '1.1.0']);
  });

  it('promote with 0, 1 … free pages: REGISTRY_NOT_WRITABLE (not INTERNAL), index unchanged, no lock left', async () => {
    const before = await readIndex(registry);
    const failedWith: number[] = [];
    for (let pages = 0; pages < 10; pages += 1) {
      await leaveFree(pages);
      const outcome = await promote(registry, 'digits', '1.0.0', 'stable', key).catch((error: unknown) => error);
      if (!(outcome instanceof Error)) break;
      expectDiskFullError(outcome, 100);
      await expectUntouched(before);
      failedWith.push(pages);
    }
    // 0 pages: the lock cannot be written; 1 page: the lock fits, the new index does not.
    expect(failedWith).toEqual([0, 1]);
    expect((await readIndex(registry)).models.digits!.channels.stable.version).toBe('1.0.0');
    await rm(filler);
  });

  it('the CLI exits 41 with the sizes when the disk has room for the lock but not for the index', async () => {
    const before = await readIndex(registry);
    await leaveFree(1);
    const child = spawnTs(CLI_MAIN, ['promote', '1.1.0', '--channel', 'canary', '--registry', registry], { MODEL_REGISTRY: '' });
    child.process.stdin!.end();
    const exit = await child.exited;
    expect(exit.code, child.stderr()).toBe(EXIT_CODES.REGISTRY_NOT_WRITABLE.exit);
    expect(child.stderr()).toMatch(/error\[REGISTRY_NOT_WRITABLE\]: the disk holding the registry is full \(ENOSPC\): this write needs/);
    expect(child.stderr()).toMatch(/fix: Free at least .* on the disk holding /);
    await expectUntouched(before);
    await rm(filler);
  });
});
