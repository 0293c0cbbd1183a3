import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
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

/** The rename replaceDirectory uses; a test passes its own to make one step fail for real. */
export type RenameFn = (from: string, to: string) => Promise<void>;

const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException)?.code;
const exists = (path: string) => lstat(path).then(() => true, () => false);

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoOf(error) === 'EPERM';
  }
}

/**
 * Tidies what a killed replaceDirectory of the same dest left (its pid is gone): a staging
 * folder is deleted; an `-old` folder is the previous content and is put back if dest is
 * missing (killed between the two renames), else deleted.
 */
async function recoverKilledReplace(parent: string, name: string, dest: string, move: RenameFn): Promise<void> {
  const pattern = new RegExp(`^\\.tmp-${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)-[0-9a-f]+(-old)?$`);
  const entries = await readdir(parent).catch(() => [] as string[]);
  for (const entry of entries.sort()) {
    const match = pattern.exec(entry);
    if (!match || Number(match[1]) === process.pid || pidAlive(Number(match[1]))) continue;
    const path = join(parent, entry);
    if (match[2] && !(await exists(dest))) await move(path, dest).catch(() => undefined);
    else await rm(path, { recursive: true, force: true });
  }
}

/**
 * Moves a built staging folder to dest: the old dest is renamed aside, the new one renamed in,
 * the old one deleted. If the second rename fails the old folder is renamed back, so dest is as
 * it was; if even that fails, the error says where the old folder is kept (never deleted). An
 * fsync error after the swap is still reported, although dest then holds the new content.
 *
 * Remaining window: between the two renames (two consecutive syscalls) dest does not exist, and
 * a reader at that instant gets ENOENT. Closing it needs renameat2(RENAME_EXCHANGE), which Node
 * does not expose (a native addon, or coreutils >= 9.5 `mv --exchange`, would); a symlink swap
 * would close it too but turns dest into a symlink, which the callers' users (pull --dest, Nx
 * stage outputs) do not expect. A process killed inside the window leaves the old folder as
 * `.tmp-<name>-<pid>-<hex>-old`; the next replaceDirectory of the same dest puts it back.
 */
async function swapIn(staging: string, dest: string, move: RenameFn): Promise<void> {
  const old = `${staging}-old`;
  let movedOld = false;
  try {
    await move(dest, old);
    movedOld = true;
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw error;
  }
  try {
    await move(staging, dest);
  } catch (error) {
    if (movedOld) {
      try {
        await move(old, dest);
      } catch (restoreError) {
        throw Object.assign(
          new Error(`could not replace ${dest} (${errnoOf(error) ?? String(error)}) nor put its previous content back (${errnoOf(restoreError) ?? String(restoreError)}); the previous content is kept at ${old}`, { cause: error }),
          { code: errnoOf(error), keptAt: old },
        );
      }
    }
    throw error;
  }
  try {
    await fsyncDir(dirname(dest));
  } finally {
    if (movedOld) await rm(old, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Replaces a whole output folder: build it under a temp name, fsync it, swap it in (see swapIn),
 * delete the old one. A failed build or swap removes the staging folder and leaves dest as it was;
 * a crash leaves the old folder or the new one, never a mix and never a half-built folder under
 * the final name. `options.rename` exists for tests that make a swap step fail.
 */
export async function replaceDirectory<T>(dest: string, build: (stagingDir: string) => Promise<T>, options: { rename?: RenameFn } = {}): Promise<T> {
  const move = options.rename ?? rename;
  const parent = dirname(dest);
  await mkdir(parent, { recursive: true });
  await recoverKilledReplace(parent, basename(dest), dest, move);
  const staging = join(parent, `.tmp-${basename(dest)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(staging);
  try {
    const result = await build(staging);
    await fsyncDir(staging);
    await swapIn(staging, dest, move);
    return result;
  } finally {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
}
