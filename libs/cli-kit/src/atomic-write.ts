import { open, rename, mkdir, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes a file so that a reader sees either the old content or the complete new content,
 * never a half-written file: temp file in the same folder, fsync, rename, fsync the folder.
 * Stages and the registry use it for every result a later step trusts.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFileSynced(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  await fsyncDir(dir);
}

/** JSON variant with a trailing newline, pretty-printed for people reading artifacts. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Makes a rename durable: the folder entry itself must reach the disk. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

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

/**
 * Replaces a whole output folder: build it under a temp name, fsync it, move the old one aside,
 * rename the new one in, delete the old one. A crash or a failed build leaves the old folder or
 * the new one, never a mix and never a half-built folder under the final name.
 */
export async function replaceDirectory<T>(dest: string, build: (stagingDir: string) => Promise<T>): Promise<T> {
  const parent = dirname(dest);
  await mkdir(parent, { recursive: true });
  const staging = join(parent, `.tmp-${basename(dest)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(staging);
  try {
    const result = await build(staging);
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
    return result;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
