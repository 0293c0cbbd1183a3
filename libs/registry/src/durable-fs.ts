import { copyFile, mkdir, open, rename, rm, readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fsyncDir } from '@odt/cli-kit';

/** Writes bytes and forces them to disk before anyone renames the file into view. */
export async function writeFileSynced(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Copies a file and fsyncs the copy: a staged version folder is complete before its rename. */
export async function copyFileSynced(from: string, to: string): Promise<void> {
  await copyFile(from, to);
  const handle = await open(to, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A unique sibling name for staging, recognisable by the `.tmp-` prefix the cleaner looks for. */
export function stagingPath(parentDir: string, label: string): string {
  return join(parentDir, `.tmp-${label}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Replaces a whole output folder: build it under a temp name, fsync it, move the old one aside,
 * rename the new one in, delete the old one. A crash leaves either folder, never a mix.
 */
export async function replaceDirectory(dest: string, build: (stagingDir: string) => Promise<void>): Promise<void> {
  const parent = dirname(dest);
  await mkdir(parent, { recursive: true });
  const staging = stagingPath(parent, basename(dest));
  await mkdir(staging);
  try {
    await build(staging);
    await fsyncDir(staging);
    const old = `${staging}-old`;
    let movedOld = false;
    try {
      await rename(dest, old);
      movedOld = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await rename(staging, dest);
    await fsyncDir(parent);
    if (movedOld) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Lists a folder, treating a missing folder as empty. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
