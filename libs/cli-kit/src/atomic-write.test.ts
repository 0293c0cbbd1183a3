import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replaceDirectory, type RenameFn } from './atomic-write.ts';
import { canMountTmpfs } from './testing/tmpfs.ts';

let root: string;
let dest: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'odt-atomic-'));
  dest = join(root, 'dest');
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** Everything beside dest: staging and `-old` folders must never outlive a call. */
const debris = async () => (await readdir(root)).filter((entry) => entry !== 'dest').sort();
const read = (path: string) => readFile(path, 'utf8');
const writeOld = async () => {
  await mkdir(dest);
  await writeFile(join(dest, 'a'), 'old');
};
const buildNew = async (dir: string) => writeFile(join(dir, 'a'), 'new');
const isStaging = (path: string) => basename(path).startsWith('.tmp-dest-') && !path.endsWith('-old');

const MOUNT_ALLOWED = canMountTmpfs();

describe('replaceDirectory', () => {
  it('replaces the folder as a whole and leaves no staging or -old folder', async () => {
    await writeOld();
    await writeFile(join(dest, 'only-in-old'), 'x');
    expect(await replaceDirectory(dest, async (dir) => (await buildNew(dir), 'result'))).toBe('result');
    expect(await readdir(dest)).toEqual(['a']);
    expect(await read(join(dest, 'a'))).toBe('new');
    expect(await debris()).toEqual([]);
  });

  it('creates dest when there is none yet', async () => {
    await replaceDirectory(dest, buildNew);
    expect(await read(join(dest, 'a'))).toBe('new');
    expect(await debris()).toEqual([]);
  });

  it('a failed build leaves dest as it was and removes the staging folder', async () => {
    await writeOld();
    await expect(replaceDirectory(dest, async (dir) => (await buildNew(dir), Promise.reject(new Error('build broke'))))).rejects.toThrow('build broke');
    expect(await read(join(dest, 'a'))).toBe('old');
    expect(await debris()).toEqual([]);
  });

  it('when moving the new folder in fails, the old folder is put back and nothing is left beside it', async () => {
    await writeOld();
    const failingMoveIn: RenameFn = async (from, to) => {
      if (isStaging(from) && to === dest) throw Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' });
      await rename(from, to);
    };
    await expect(replaceDirectory(dest, buildNew, { rename: failingMoveIn })).rejects.toMatchObject({ code: 'EXDEV' });
    expect(await read(join(dest, 'a'))).toBe('old');
    expect(await debris()).toEqual([]);
  });

  it('when another writer fills dest between the renames, the kernel refuses swap and restore; the old folder is kept and named', async () => {
    await writeOld();
    // The rename itself is real: the "other writer" creates dest just before it, so rename(2) says ENOTEMPTY.
    const racedMoveIn: RenameFn = async (from, to) => {
      if (isStaging(from) && to === dest) {
        await mkdir(dest);
        await writeFile(join(dest, 'a'), 'intruder');
      }
      await rename(from, to);
    };
    const error = (await replaceDirectory(dest, buildNew, { rename: racedMoveIn }).catch((e: unknown) => e)) as Error & { code?: string; keptAt?: string };
    expect(error.code).toBe('ENOTEMPTY');
    expect(error.message).toContain(error.keptAt);
    expect(await read(join(error.keptAt!, 'a'))).toBe('old');
    expect(await read(join(dest, 'a'))).toBe('intruder');
    expect(await debris()).toEqual([basename(error.keptAt!)]);
  });

  it.skipIf(!MOUNT_ALLOWED)('dest busy as a mount point (real EBUSY on the first rename): dest untouched, staging removed [needs root: mount -t tmpfs]', async () => {
    await mkdir(dest);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dest]).status).toBe(0);
    try {
      await writeFile(join(dest, 'a'), 'old');
      await expect(replaceDirectory(dest, buildNew)).rejects.toMatchObject({ code: 'EBUSY' });
      expect(await read(join(dest, 'a'))).toBe('old');
      expect(await debris()).toEqual([]);
    } finally {
      spawnSync('umount', ['-l', dest]);
    }
  });

  it('puts back the old folder that a replace killed between its renames left, and removes its staging folder', async () => {
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    const old = join(root, `.tmp-dest-${deadPid}-0a1b2c3d-old`);
    await mkdir(old);
    await writeFile(join(old, 'a'), 'old');
    await mkdir(join(root, `.tmp-dest-${deadPid}-0a1b2c3d`));
    await expect(replaceDirectory(dest, () => Promise.reject(new Error('build broke')))).rejects.toThrow('build broke');
    expect(await read(join(dest, 'a'))).toBe('old');
    expect(await debris()).toEqual([]);
  });

  it('removes an -old folder a killed replace left once dest holds the new content', async () => {
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    await mkdir(join(root, `.tmp-dest-${deadPid}-0a1b2c3d-old`));
    await writeOld();
    await replaceDirectory(dest, buildNew);
    expect(await read(join(dest, 'a'))).toBe('new');
    expect(await debris()).toEqual([]);
  });
});
